// INFO (server.c genRedisInfoString): Redis 7.0's sections and field names. Subsystems replace or
// extend a section by registering a provider in `srv.infoSections` (persistence, memory, …).

import type { Server } from './server.js'
import { SERVER_VERSION } from '../commands/connection.js'
import { memorySection } from './meminfo.js'

export type InfoProvider = (srv: Server) => [string, string | number][]

const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'errorstats',
  'cluster',
  'keyspace',
]
const ALL_SECTIONS = [
  ...DEFAULT_SECTIONS.slice(0, 8),
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
]

export function humanBytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P']
  let i = 0
  let v = n
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${n}B` : `${v.toFixed(2)}${units[i]}`
}

function serverSection(srv: Server): [string, string | number][] {
  const now = Date.now()
  const up = Math.floor((now - srv.startTime) / 1000)
  return [
    ['redis_version', SERVER_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', 'strata'],
    ['redis_mode', 'standalone'],
    ['os', `${process.platform} ${process.arch}`],
    ['arch_bits', 64],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'epoll'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', srv.runId],
    ['tcp_port', srv.port],
    ['server_time_usec', now * 1000],
    ['uptime_in_seconds', up],
    ['uptime_in_days', Math.floor(up / 86400)],
    ['hz', srv.config.getInt('hz')],
    ['configured_hz', srv.config.getInt('hz')],
    ['lru_clock', srv.lruClock],
    ['executable', process.argv[1] ?? ''],
    ['config_file', srv.config.file ?? ''],
    ['io_threads_active', 0],
    ['strata_version', '0.1.0'],
    ['node_version', process.version],
  ]
}

function clientsSection(srv: Server): [string, string | number][] {
  let blocked = 0
  let maxIn = 0
  let maxOut = 0
  for (const c of srv.clients.values()) {
    if (c.blocked) blocked++
    maxIn = Math.max(maxIn, c.parser.pendingBytes)
    maxOut = Math.max(maxOut, c.outputBytes)
  }
  return [
    ['connected_clients', srv.clients.size],
    ['cluster_connections', 0],
    ['maxclients', srv.config.getInt('maxclients')],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', blocked],
    ['tracking_clients', 0],
    ['clients_in_timeout_table', 0],
  ]
}

/** Persistence fields when no persistence subsystem has registered its own provider yet. */
function persistenceSection(srv: Server): [string, string | number][] {
  return [
    ['loading', srv.loading ? 1 : 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', srv.dirty],
    ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', Math.floor(srv.startTime / 1000)],
    ['rdb_last_bgsave_status', 'ok'],
    ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', 0],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', srv.config.getBool('appendonly') ? 1 : 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ]
}

function statsSection(srv: Server): [string, string | number][] {
  const s = srv.stats
  return [
    ['total_connections_received', s.numConnections],
    ['total_commands_processed', s.numCommands],
    ['instantaneous_ops_per_sec', Math.round(s.opsSec.get())],
    ['total_net_input_bytes', s.netInput],
    ['total_net_output_bytes', s.netOutput],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', s.netInKbps.get().toFixed(2)],
    ['instantaneous_output_kbps', s.netOutKbps.get().toFixed(2)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConns],
    ['sync_full', s.syncFull],
    ['sync_partial_ok', 0],
    ['sync_partial_err', 0],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', (s.expiredStalePerc * 100).toFixed(2)],
    ['expired_time_cap_reached_count', s.expiredTimeCapReached],
    ['expire_cycle_cpu_milliseconds', Math.round(s.expireCycleCpuMs)],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', s.evictedClients],
    ['total_eviction_exceeded_time', s.totalEvictionExceededTime],
    ['current_eviction_exceeded_time', s.currentEvictionExceededTime],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', srv.pubsubCounts().channels],
    ['pubsub_patterns', srv.pubsubCounts().patterns],
    ['pubsubshard_channels', 0],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', 0],
    ['tracking_total_items', 0],
    ['tracking_total_prefixes', 0],
    ['unexpected_error_replies', s.unexpectedErrorReplies],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', s.totalReadsProcessed],
    ['total_writes_processed', s.totalWritesProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
  ]
}

function replicationSection(srv: Server): [string, string | number][] {
  return [
    ['role', 'master'],
    ['connected_slaves', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', srv.runId],
    ['master_replid2', '0'.repeat(40)],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', 1048576],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ]
}

function cpuSection(): [string, string | number][] {
  const u = process.cpuUsage()
  const sys = (u.system / 1e6).toFixed(6)
  const user = (u.user / 1e6).toFixed(6)
  return [
    ['used_cpu_sys', sys],
    ['used_cpu_user', user],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', sys],
    ['used_cpu_user_main_thread', user],
  ]
}

function commandstatsSection(srv: Server): [string, string | number][] {
  const out: [string, string | number][] = []
  const visit = (cmd: ReturnType<Server['commands']['lookup']>): void => {
    if (!cmd) return
    if (cmd.calls > 0 || cmd.rejectedCalls > 0 || cmd.failedCalls > 0) {
      const per = cmd.calls ? (cmd.usec / cmd.calls).toFixed(2) : '0.00'
      out.push([
        `cmdstat_${cmd.name}`,
        `calls=${cmd.calls},usec=${cmd.usec},usec_per_call=${per},rejected_calls=${cmd.rejectedCalls},failed_calls=${cmd.failedCalls}`,
      ])
    }
    for (const sub of cmd.spec.subcommands?.values() ?? []) visit(sub)
  }
  for (const cmd of srv.commands.all()) visit(cmd)
  return out
}

function errorstatsSection(srv: Server): [string, string | number][] {
  return [...srv.stats.errors].map(([code, n]) => [`errorstat_${code}`, `count=${n}`])
}

function keyspaceSection(srv: Server): [string, string | number][] {
  const out: [string, string | number][] = []
  for (const db of srv.keyspace.dbs) {
    if (db.size === 0) continue
    out.push([`db${db.id}`, `keys=${db.size},expires=${db.dict.volatileCount},avg_ttl=${db.dict.avgTtl}`])
  }
  return out
}

export const CORE_SECTIONS: Record<string, InfoProvider> = {
  server: serverSection,
  clients: clientsSection,
  memory: memorySection,
  persistence: persistenceSection,
  stats: statsSection,
  replication: replicationSection,
  cpu: cpuSection,
  modules: () => [],
  commandstats: commandstatsSection,
  errorstats: errorstatsSection,
  latencystats: () => [],
  cluster: () => [['cluster_enabled', 0]],
  keyspace: keyspaceSection,
}

const TITLES: Record<string, string> = {
  cpu: 'CPU',
  commandstats: 'Commandstats',
  errorstats: 'Errorstats',
  latencystats: 'Latencystats',
}

/** The INFO text for the requested section names (default, all, everything, or names). */
export function infoText(srv: Server, args: string[]): string {
  const want = args.map((a) => a.toLowerCase())
  let sections: string[]
  if (want.length === 0 || want.includes('default')) sections = DEFAULT_SECTIONS
  else if (want.includes('all') || want.includes('everything')) sections = ALL_SECTIONS
  else sections = want.filter((s) => srv.infoSections.has(s))
  const parts: string[] = []
  for (const name of sections) {
    const provider = srv.infoSections.get(name)
    if (!provider) continue
    const title = TITLES[name] ?? name[0].toUpperCase() + name.slice(1)
    const lines = provider(srv).map(([k, v]) => `${k}:${v}`)
    parts.push(`# ${title}\r\n${lines.map((l) => l + '\r\n').join('')}`)
  }
  return parts.join('\r\n')
}
