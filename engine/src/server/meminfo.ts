// INFO memory, MEMORY STATS and MEMORY DOCTOR (server.c, object.c getMemoryOverheadData): Redis
// 7.0's fields in Redis's order, filled from the engine's own accounting (used_memory and its
// parts) and from the process (RSS, the V8 heap standing in for the allocator).

import { totalmem } from 'node:os'
import type { Server } from './server.js'
import { humanBytes } from './info.js'
import { evictorOf } from '../keyspace/evict.js'

/** getMemoryOverheadData's figures. */
export interface MemoryOverhead {
  used: number
  peak: number
  startup: number
  clients: number
  overhead: number
  dataset: number
  datasetPerc: number
  peakPerc: number
  keys: number
  bytesPerKey: number
  /** Per db with keys: its table overhead (main) and TTL-list share (expires). */
  dbs: { id: number; main: number; expires: number }[]
  rss: number
  /** V8 heap in use, committed, and the process RSS, as jemalloc's allocated/active/resident. */
  allocated: number
  active: number
  resident: number
}

export function memoryOverhead(srv: Server): MemoryOverhead {
  const m = evictorOf(srv).memory()
  const used = m.total
  if (used > srv.peakMemory) srv.peakMemory = used
  const proc = process.memoryUsage()
  const dbs: MemoryOverhead['dbs'] = []
  let keys = 0
  for (const db of srv.keyspace.dbs) {
    if (db.size === 0) continue
    keys += db.size
    // The TTL list costs 8 bytes per key with a TTL (slot list + position), the rest is the main table.
    const expires = db.dict.volatileCount * 8
    dbs.push({ id: db.id, main: db.dict.overheadBytes() - expires, expires })
  }
  const overhead = m.startup + m.tables + m.clients
  const net = used - m.startup
  return {
    used,
    peak: srv.peakMemory,
    startup: m.startup,
    clients: m.clients,
    overhead,
    dataset: m.dataset,
    datasetPerc: net > 0 ? (m.dataset * 100) / net : 0,
    peakPerc: (used * 100) / srv.peakMemory,
    keys,
    bytesPerKey: keys > 0 ? Math.floor(net / keys) : 0,
    dbs,
    rss: proc.rss,
    allocated: proc.heapUsed + proc.external,
    active: proc.heapTotal + proc.external,
    resident: proc.rss,
  }
}

const ratio = (a: number, b: number): string => (b > 0 ? a / b : 0).toFixed(2)

export function memorySection(srv: Server): [string, string | number][] {
  const o = memoryOverhead(srv)
  const total = totalmem()
  return [
    ['used_memory', o.used],
    ['used_memory_human', humanBytes(o.used)],
    ['used_memory_rss', o.rss],
    ['used_memory_rss_human', humanBytes(o.rss)],
    ['used_memory_peak', o.peak],
    ['used_memory_peak_human', humanBytes(o.peak)],
    ['used_memory_peak_perc', `${o.peakPerc.toFixed(2)}%`],
    ['used_memory_overhead', o.overhead],
    ['used_memory_startup', o.startup],
    ['used_memory_dataset', o.dataset],
    ['used_memory_dataset_perc', `${o.datasetPerc.toFixed(2)}%`],
    ['allocator_allocated', o.allocated],
    ['allocator_active', o.active],
    ['allocator_resident', o.resident],
    ['total_system_memory', total],
    ['total_system_memory_human', humanBytes(total)],
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', '0B'],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', '0B'],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'],
    ['maxmemory', srv.maxmemory],
    ['maxmemory_human', humanBytes(srv.maxmemory)],
    ['maxmemory_policy', srv.policy],
    ['allocator_frag_ratio', ratio(o.active, o.allocated)],
    ['allocator_frag_bytes', o.active - o.allocated],
    ['allocator_rss_ratio', ratio(o.resident, o.active)],
    ['allocator_rss_bytes', o.resident - o.active],
    ['rss_overhead_ratio', '1.00'],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', ratio(o.rss, o.used)],
    ['mem_fragmentation_bytes', o.rss - o.used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', o.clients],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ]
}

/** MEMORY STATS: name → integer, double, or (per db) a nested map, in Redis 7.0's order. */
export function memoryStats(srv: Server): [string, number | { double: number } | [string, number][]][] {
  const o = memoryOverhead(srv)
  const d = (n: number): { double: number } => ({ double: n })
  return [
    ['peak.allocated', o.peak],
    ['total.allocated', o.used],
    ['startup.allocated', o.startup],
    ['replication.backlog', 0],
    ['clients.slaves', 0],
    ['clients.normal', o.clients],
    ['cluster.links', 0],
    ['aof.buffer', 0],
    ['lua.caches', 0],
    ['functions.caches', 0],
    ...o.dbs.map((db): [string, [string, number][]] => [
      `db.${db.id}`,
      [
        ['overhead.hashtable.main', db.main],
        ['overhead.hashtable.expires', db.expires],
        ['overhead.hashtable.slot-to-keys', 0],
      ],
    ]),
    ['overhead.total', o.overhead],
    ['keys.count', o.keys],
    ['keys.bytes-per-key', o.bytesPerKey],
    ['dataset.bytes', o.dataset],
    ['dataset.percentage', d(o.datasetPerc)],
    ['peak.percentage', d(o.peakPerc)],
    ['allocator.allocated', o.allocated],
    ['allocator.active', o.active],
    ['allocator.resident', o.resident],
    ['allocator-fragmentation.ratio', d(o.active / o.allocated)],
    ['allocator-fragmentation.bytes', o.active - o.allocated],
    ['allocator-rss.ratio', d(o.resident / o.active)],
    ['allocator-rss.bytes', o.resident - o.active],
    ['rss-overhead.ratio', d(1)],
    ['rss-overhead.bytes', 0],
    ['fragmentation', d(o.rss / o.used)],
    ['fragmentation.bytes', o.rss - o.used],
  ]
}

const DOCTOR_EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
const DOCTOR_OK =
  "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
const MB10 = 10 << 20

/** getMemoryDoctorReport: Redis's checks over our figures (allocator = the V8 heap). */
export function memoryDoctor(srv: Server): string {
  const o = memoryOverhead(srv)
  // Redis compares all it allocated with 5 MB; our start-up baseline is a whole V8 heap, so the
  // data, tables and clients on top of it are what is compared.
  if (o.used - o.startup < 5 * 1024 * 1024) return DOCTOR_EMPTY
  const issues: string[] = []
  if (o.peak / o.used > 1.5) {
    issues.push(
      ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.',
    )
  }
  if (o.rss / o.used > 1.4 && o.rss - o.used > MB10) {
    issues.push(
      ` * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "v8-${process.versions.v8}".`,
    )
  }
  if (o.active / o.allocated > 1.1 && o.active - o.allocated > MB10) {
    issues.push(
      " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.",
    )
  }
  if (o.resident / o.active > 1.1 && o.resident - o.active > MB10) {
    issues.push(
      ' * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.',
    )
  }
  if (srv.clients.size > 0 && o.clients / srv.clients.size > 200 * 1024) {
    issues.push(
      ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.',
    )
  }
  if (issues.length === 0) return DOCTOR_OK
  return (
    'Sam, I detected a few issues in this Redis instance memory implants:\n\n' +
    issues.map((s) => s + '\n\n').join('') +
    "I'm here to keep you safe, Sam. I want to help you.\n"
  )
}
