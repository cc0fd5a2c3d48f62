// The monitoring and persistence part of the StrataApi contract: metric definitions (names, units,
// what each is derived from), the methods' zod schemas, their results and the live event streams.
// contract.ts spreads these in. Like contract.ts, free of Node and Electron imports.

import { z } from 'zod'

export type Unit = 'bytes' | 'ratio' | 'ops/s' | 'keys/s' | 'bytes/s' | 'count' | 'seconds' | 'flag'

/** The sampled series, in storage order (a column per metric, min/avg/max in rollups). */
export const METRICS = [
  { name: 'mem_used', unit: 'bytes', label: 'used memory' },
  { name: 'mem_rss', unit: 'bytes', label: 'RSS' },
  { name: 'mem_peak', unit: 'bytes', label: 'peak' },
  { name: 'mem_dataset', unit: 'bytes', label: 'dataset' },
  { name: 'maxmemory', unit: 'bytes', label: 'maxmemory' },
  { name: 'frag', unit: 'ratio', label: 'fragmentation ratio' },
  { name: 'ops', unit: 'ops/s', label: 'ops/s' },
  { name: 'evicted', unit: 'keys/s', label: 'evicted/s' },
  { name: 'expired', unit: 'keys/s', label: 'expired/s' },
  { name: 'hits', unit: 'ops/s', label: 'hits/s' },
  { name: 'misses', unit: 'ops/s', label: 'misses/s' },
  { name: 'hit_ratio', unit: 'ratio', label: 'hit ratio' },
  { name: 'net_in', unit: 'bytes/s', label: 'network in' },
  { name: 'net_out', unit: 'bytes/s', label: 'network out' },
  { name: 'clients', unit: 'count', label: 'connected clients' },
  { name: 'blocked', unit: 'count', label: 'blocked clients' },
  { name: 'keys', unit: 'count', label: 'keys' },
  { name: 'expires', unit: 'count', label: 'keys with TTL' },
  { name: 'changes', unit: 'count', label: 'changes since last save' },
  { name: 'save_age', unit: 'seconds', label: 'last save age' },
  { name: 'aof_size', unit: 'bytes', label: 'AOF size' },
  { name: 'bgsave', unit: 'flag', label: 'BGSAVE running' },
  { name: 'rewrite', unit: 'flag', label: 'AOF rewrite running' },
] as const satisfies readonly { name: string; unit: Unit; label: string }[]

export type MetricName = (typeof METRICS)[number]['name']

export const EVENT_KINDS = [
  'restart',
  'stats-reset',
  'bgsave-start',
  'bgsave-end',
  'save',
  'rewrite-start',
  'rewrite-end',
  'aof-write',
  'config',
  'evictions-start',
  'evictions-end',
  'unreachable',
  'reachable',
] as const
export type EventKind = (typeof EVENT_KINDS)[number]

export interface TimelineEventInput {
  ts: number
  kind: EventKind
  detail: Record<string, string | number | boolean | null>
}
export interface TimelineEvent extends TimelineEventInput {
  id: number
  conn: string
}

/** What one INFO poll says about the server right now (the persistence panel's live view). */
export interface LiveStatus {
  ts: number
  version: string
  runId: string
  uptimeSec: number
  maxmemory: number
  policy: string
  loading: boolean
  rdb: {
    inProgress: boolean
    keysProcessed: number
    keysTotal: number
    cowSize: number
    elapsedSec: number
    lastStatus: string
    lastTimeSec: number
    lastSaveTime: number
    changes: number
    saves: number | null
    lastCowSize: number
  }
  aof: {
    enabled: boolean
    rewriteInProgress: boolean
    rewriteScheduled: boolean
    elapsedSec: number
    lastRewriteStatus: string
    lastRewriteTimeSec: number
    lastWriteStatus: string
    rewrites: number | null
    currentSize: number | null
    baseSize: number | null
    lastCowSize: number
  }
}

/** Series of one resolution: `ts[i]` with `min/avg/max[metric][i]` (raw samples: all three equal). */
export interface History {
  conn: string
  /** Seconds per point: the raw interval, 60, 3600, or a multiple when grouped further. */
  resolution: number
  ts: number[]
  avg: Record<MetricName, (number | null)[]>
  /** Only when asked for (`bands`): a chart of averages doesn't need to read them. */
  min?: Record<MetricName, (number | null)[]>
  max?: Record<MetricName, (number | null)[]>
  /** Average keys per db at each point. */
  dbKeys: Record<number, (number | null)[]>
  events: TimelineEvent[]
  /** The latest poll, when one exists. */
  status: LiveStatus | null
}

export interface LivePoint {
  ts: number
  values: (number | null)[]
  dbKeys: Record<number, number>
}

export const PERSISTENCE_PARAMS = [
  'save',
  'appendonly',
  'appendfsync',
  'aof-use-rdb-preamble',
  'auto-aof-rewrite-percentage',
  'auto-aof-rewrite-min-size',
  'maxmemory',
  'maxmemory-policy',
] as const
export type PersistenceParam = (typeof PERSISTENCE_PARAMS)[number]

export interface AuditEntry {
  id: number
  ts: number
  conn: string
  action: string
  target: string
  detail: string
  outcome: 'ok' | 'error'
  error: string | null
  durationMs: number | null
}

export interface JobOutcome {
  action: 'save' | 'bgsave' | 'bgrewriteaof'
  ok: boolean
  /** What the server answered, or the error in words a user can act on. */
  message: string
  durationMs: number | null
  /** Size of the written file when the server is local and the file is readable. */
  sizeBytes: number | null
  file: string | null
}

const connId = z.string().min(1).max(64)

export const metricsMethods = {
  'metrics.history': z.object({
    conn: connId,
    from: z.number().int().min(0),
    to: z.number().int().min(0),
    maxPoints: z.number().int().min(10).max(20_000).default(2000),
    /** Also each point's min and max (rollups keep them). */
    bands: z.boolean().default(false),
  }),
  'metrics.watch': z.object({ conn: connId }),
  'metrics.unwatch': z.object({ conn: connId }),
  'metrics.watched': z.object({}),
  'persistence.run': z.object({ conn: connId, action: z.enum(['save', 'bgsave', 'bgrewriteaof']) }),
  'persistence.config': z.object({ conn: connId }),
  'persistence.setConfig': z.object({
    conn: connId,
    changes: z
      .array(z.object({ param: z.enum(PERSISTENCE_PARAMS), value: z.string().max(1000) }))
      .min(1)
      .max(PERSISTENCE_PARAMS.length),
    /** Also persist with CONFIG REWRITE (asked for in the confirmation). */
    rewrite: z.boolean().default(true),
  }),
  'audit.list': z.object({
    conn: connId.optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  }),
} as const

export interface MetricsResults {
  'metrics.history': History
  'metrics.watch': { watching: boolean }
  'metrics.unwatch': { watching: boolean }
  'metrics.watched': string[]
  'persistence.run': JobOutcome
  'persistence.config': Record<PersistenceParam, string | null>
  'persistence.setConfig': {
    applied: { param: PersistenceParam; from: string | null; to: string }[]
    rewritten: boolean
    /** Why CONFIG REWRITE did not persist (no config file, refused…); the values still apply. */
    rewriteError?: string
  }
  'audit.list': AuditEntry[]
}

export interface MetricsEvents {
  /** One per poll of a watched connection; `point` null when the poll failed (a gap). */
  'metrics.tick': { conn: string; point: LivePoint | null; status: LiveStatus | null; error?: string }
  'metrics.event': TimelineEvent
  /** A job started from the panel finished (BGSAVE/BGREWRITEAOF end as seen in INFO). */
  'persistence.outcome': { conn: string } & JobOutcome
}

export const metricsEventNames = ['metrics.tick', 'metrics.event', 'persistence.outcome'] as const
