// Turns successive INFO replies of one server into samples: gauges read as they are, rates derived
// from counter deltas, and timeline events detected from field transitions (BGSAVE and AOF rewrite
// start/end, restarts, counter resets, config changes, eviction bursts). Pure: no I/O, the caller
// passes the time, so tests can drive it with any INFO text.

import { METRICS, type LiveStatus, type MetricName, type TimelineEventInput } from '../../api/contract.js'

export type Info = Map<string, string>

/** `field:value` lines of an INFO reply (every section). */
export function parseInfo(text: string): Info {
  const out: Info = new Map()
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line[0] === '#') continue
    const i = line.indexOf(':')
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1))
  }
  return out
}

/** keys per db from the keyspace lines (`db0:keys=1,expires=0,avg_ttl=0`). */
export function keysPerDb(info: Info): Record<number, { keys: number; expires: number }> {
  const out: Record<number, { keys: number; expires: number }> = {}
  for (const [k, v] of info) {
    const m = /^db(\d+)$/.exec(k)
    if (!m) continue
    const keys = /keys=(\d+)/.exec(v)
    const expires = /expires=(\d+)/.exec(v)
    out[Number(m[1])] = { keys: Number(keys?.[1] ?? 0), expires: Number(expires?.[1] ?? 0) }
  }
  return out
}

const num = (info: Info, k: string): number | null => {
  const v = info.get(k)
  if (v === undefined || v === '') return null
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

/** Counters behind each rate; a decrease of any of them means the server's stats were reset. */
const COUNTERS: Partial<Record<MetricName, string>> = {
  ops: 'total_commands_processed',
  evicted: 'evicted_keys',
  expired: 'expired_keys',
  hits: 'keyspace_hits',
  misses: 'keyspace_misses',
  net_in: 'total_net_input_bytes',
  net_out: 'total_net_output_bytes',
}

export function liveStatus(info: Info, ts: number): LiveStatus {
  const n = (k: string) => num(info, k) ?? 0
  const s = (k: string, d = '') => info.get(k) ?? d
  const aofEnabled = n('aof_enabled') === 1
  return {
    ts,
    version: s('redis_version', 'unknown'),
    runId: s('run_id'),
    uptimeSec: n('uptime_in_seconds'),
    maxmemory: n('maxmemory'),
    policy: s('maxmemory_policy', 'noeviction'),
    loading: n('loading') === 1,
    rdb: {
      inProgress: n('rdb_bgsave_in_progress') === 1,
      keysProcessed: n('current_save_keys_processed'),
      keysTotal: n('current_save_keys_total'),
      cowSize: n('current_cow_size'),
      elapsedSec: n('rdb_current_bgsave_time_sec'),
      lastStatus: s('rdb_last_bgsave_status', 'ok'),
      lastTimeSec: n('rdb_last_bgsave_time_sec'),
      lastSaveTime: n('rdb_last_save_time'),
      changes: n('rdb_changes_since_last_save'),
      saves: num(info, 'rdb_saves'),
      lastCowSize: n('rdb_last_cow_size'),
    },
    aof: {
      enabled: aofEnabled,
      rewriteInProgress: n('aof_rewrite_in_progress') === 1,
      rewriteScheduled: n('aof_rewrite_scheduled') === 1,
      elapsedSec: n('aof_current_rewrite_time_sec'),
      lastRewriteStatus: s('aof_last_bgrewrite_status', 'ok'),
      lastRewriteTimeSec: n('aof_last_rewrite_time_sec'),
      lastWriteStatus: s('aof_last_write_status', 'ok'),
      rewrites: num(info, 'aof_rewrites'),
      currentSize: aofEnabled ? num(info, 'aof_current_size') : null,
      baseSize: aofEnabled ? num(info, 'aof_base_size') : null,
      lastCowSize: n('aof_last_cow_size'),
    },
  }
}

export interface Sample {
  ts: number
  /** One value per METRICS entry, in order; null where unknown (rates right after a reset or gap). */
  values: (number | null)[]
  dbs: Record<number, { keys: number; expires: number }>
  status: LiveStatus
  events: TimelineEventInput[]
}

interface Prev {
  ts: number
  info: Info
  status: LiveStatus
}

/** Samples in a row before an eviction burst counts as over (and quiet before a new one starts). */
const BURST_QUIET_SAMPLES = 10

/**
 * One server's derivation state. `gap()` after a failed poll: the next sample has no rates (a rate
 * across a gap would smear its traffic over a line that looks continuous), but restarts and job
 * ends during the gap are still detected against the last sample seen.
 */
export class Deriver {
  private prev: Prev | null = null
  private afterGap = false
  private burst: { evicted: number; quiet: number; start: number } | null = null

  gap(): void {
    this.afterGap = true
  }

  next(info: Info, ts: number): Sample {
    const status = liveStatus(info, ts)
    const events: TimelineEventInput[] = []
    const prev = this.prev
    let rates = prev !== null && !this.afterGap
    this.afterGap = false
    if (prev) {
      const restarted = status.runId !== prev.status.runId || status.uptimeSec < prev.status.uptimeSec
      if (restarted) {
        events.push({ ts, kind: 'restart', detail: { runId: status.runId, uptimeSec: status.uptimeSec } })
        rates = false
      } else {
        const reset = Object.values(COUNTERS).some((k) => (num(info, k) ?? 0) < (num(prev.info, k) ?? 0))
        if (reset) {
          events.push({ ts, kind: 'stats-reset', detail: {} })
          rates = false
        }
        transitions(prev.status, status, events)
      }
    }
    const dt = prev ? (ts - prev.ts) / 1000 : 0
    const rate = (m: MetricName): number | null => {
      if (!rates || dt <= 0) return null
      const k = COUNTERS[m]!
      const cur = num(info, k)
      const old = num(prev!.info, k)
      return cur === null || old === null ? null : (cur - old) / dt
    }
    const dbs = keysPerDb(info)
    const values = METRICS.map((m): number | null => {
      switch (m.name) {
        case 'mem_used':
          return num(info, 'used_memory')
        case 'mem_rss':
          return num(info, 'used_memory_rss')
        case 'mem_peak':
          return num(info, 'used_memory_peak')
        case 'mem_dataset':
          return num(info, 'used_memory_dataset')
        case 'maxmemory':
          return num(info, 'maxmemory')
        case 'frag':
          return num(info, 'mem_fragmentation_ratio')
        case 'hit_ratio': {
          const h = rate('hits')
          const mi = rate('misses')
          return h === null || mi === null || h + mi === 0 ? null : h / (h + mi)
        }
        case 'clients':
          return num(info, 'connected_clients')
        case 'blocked':
          return num(info, 'blocked_clients')
        case 'keys':
          return Object.values(dbs).reduce((a, d) => a + d.keys, 0)
        case 'expires':
          return Object.values(dbs).reduce((a, d) => a + d.expires, 0)
        case 'changes':
          return status.rdb.changes
        case 'save_age':
          return status.rdb.lastSaveTime > 0 ? Math.max(0, ts / 1000 - status.rdb.lastSaveTime) : null
        case 'aof_size':
          return status.aof.currentSize
        case 'bgsave':
          return status.rdb.inProgress ? 1 : 0
        case 'rewrite':
          return status.aof.rewriteInProgress ? 1 : 0
        default:
          return rate(m.name)
      }
    })
    this.evictionBurst(values[METRICS.findIndex((m) => m.name === 'evicted')], ts, events)
    this.prev = { ts, info, status }
    return { ts, values, dbs, status, events }
  }

  private evictionBurst(rate: number | null, ts: number, events: TimelineEventInput[]): void {
    if (rate === null) return
    if (rate > 0) {
      if (!this.burst) {
        this.burst = { evicted: 0, quiet: 0, start: ts }
        events.push({ ts, kind: 'evictions-start', detail: { perSec: Math.round(rate) } })
      }
      this.burst.evicted += rate * ((ts - (this.prev?.ts ?? ts)) / 1000)
      this.burst.quiet = 0
    } else if (this.burst && ++this.burst.quiet >= BURST_QUIET_SAMPLES) {
      events.push({
        ts,
        kind: 'evictions-end',
        detail: { evicted: Math.round(this.burst.evicted), seconds: Math.round((ts - this.burst.start) / 1000) },
      })
      this.burst = null
    }
  }
}

/** BGSAVE / rewrite / AOF write status / config transitions between two polls of one run. */
function transitions(a: LiveStatus, b: LiveStatus, events: TimelineEventInput[]): void {
  const ts = b.ts
  if (!a.rdb.inProgress && b.rdb.inProgress) events.push({ ts, kind: 'bgsave-start', detail: {} })
  const rdbDone = b.rdb.lastSaveTime !== a.rdb.lastSaveTime || b.rdb.lastStatus !== a.rdb.lastStatus
  if (a.rdb.inProgress && !b.rdb.inProgress) {
    events.push({ ts, kind: 'bgsave-end', detail: { status: b.rdb.lastStatus, durationSec: b.rdb.lastTimeSec } })
  } else if (!b.rdb.inProgress && (rdbDone || (b.rdb.saves ?? 0) > (a.rdb.saves ?? 0))) {
    // Finished between two polls (a quick BGSAVE, or a synchronous SAVE).
    events.push({ ts, kind: 'save', detail: { status: b.rdb.lastStatus, durationSec: b.rdb.lastTimeSec } })
  }
  if (!a.aof.rewriteInProgress && b.aof.rewriteInProgress) events.push({ ts, kind: 'rewrite-start', detail: {} })
  if (a.aof.rewriteInProgress && !b.aof.rewriteInProgress) {
    events.push({
      ts,
      kind: 'rewrite-end',
      detail: { status: b.aof.lastRewriteStatus, durationSec: b.aof.lastRewriteTimeSec },
    })
  } else if (!b.aof.rewriteInProgress && (b.aof.rewrites ?? 0) > (a.aof.rewrites ?? 0)) {
    events.push({
      ts,
      kind: 'rewrite-end',
      detail: { status: b.aof.lastRewriteStatus, durationSec: b.aof.lastRewriteTimeSec },
    })
  }
  if (a.aof.lastWriteStatus !== b.aof.lastWriteStatus)
    events.push({ ts, kind: 'aof-write', detail: { status: b.aof.lastWriteStatus } })
  const changed = (param: string, from: string | number | boolean, to: string | number | boolean) =>
    from !== to && events.push({ ts, kind: 'config', detail: { param, from: String(from), to: String(to) } })
  changed('maxmemory', a.maxmemory, b.maxmemory)
  changed('maxmemory-policy', a.policy, b.policy)
  changed('appendonly', a.aof.enabled ? 'yes' : 'no', b.aof.enabled ? 'yes' : 'no')
}
