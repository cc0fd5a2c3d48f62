// The StrataApi contract: every request/response method and event stream between the renderer and
// main, with a zod schema for each method's arguments. main validates every call against it, the
// preload exposes exactly these names, and the web host serves the same handlers over a WebSocket.
// This file must stay free of Node and Electron imports: the renderer and preload import it too.

import { z } from 'zod'
import { metricsEventNames, metricsMethods, type MetricsEvents, type MetricsResults } from './metrics.js'

export * from './metrics.js'

const connId = z.string().min(1).max(64)
const dbIndex = z.number().int().min(0).max(15_999)
const keyName = z
  .string()
  .min(1)
  .max(64 * 1024)
const keyRef = z.object({ conn: connId, db: dbIndex, key: keyName })
const redisType = z.enum(['string', 'list', 'hash', 'set', 'zset', 'stream'])

export const tlsSchema = z.object({
  enabled: z.boolean(),
  /** PEM text (not paths): the renderer can't read files, and the profile stays self-contained. */
  ca: z
    .string()
    .max(64 * 1024)
    .optional(),
  cert: z
    .string()
    .max(64 * 1024)
    .optional(),
  key: z
    .string()
    .max(64 * 1024)
    .optional(),
  servername: z.string().max(255).optional(),
  rejectUnauthorized: z.boolean().default(true),
})

export const profileInput = z.object({
  id: connId.optional(),
  name: z.string().min(1).max(200),
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  username: z.string().max(200).optional(),
  /** undefined keeps the stored secret, '' removes it. */
  password: z.string().max(4096).optional(),
  db: dbIndex.default(0),
  tls: tlsSchema.default({ enabled: false, rejectUnauthorized: true }),
  separator: z.string().min(1).max(8).default(':'),
})

const editOp = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), value: z.string() }),
  z.object({ op: z.literal('hset'), field: z.string(), value: z.string() }),
  z.object({ op: z.literal('hdel'), field: z.string() }),
  z.object({ op: z.literal('lset'), index: z.number().int(), value: z.string() }),
  z.object({ op: z.literal('lpush'), value: z.string() }),
  z.object({ op: z.literal('rpush'), value: z.string() }),
  z.object({ op: z.literal('lremAt'), index: z.number().int() }),
  z.object({ op: z.literal('sadd'), member: z.string() }),
  z.object({ op: z.literal('srem'), member: z.string() }),
  z.object({ op: z.literal('zadd'), member: z.string(), score: z.number() }),
  z.object({ op: z.literal('zrem'), member: z.string() }),
])

const objId = z.string().min(1).max(64)

/** A backup target as the form edits it; secrets are write-only (undefined keeps, '' removes). */
export const targetInput = z.object({
  id: objId.optional(),
  name: z.string().min(1).max(200),
  kind: z.enum(['local', 's3']),
  path: z.string().max(4096).optional(),
  bucket: z.string().max(255).optional(),
  prefix: z.string().max(1024).default(''),
  region: z.string().max(64).default('us-east-1'),
  endpoint: z.string().max(2048).optional(),
  forcePathStyle: z.boolean().default(false),
  accessKeyId: z.string().max(256).optional(),
  secretAccessKey: z.string().max(4096).optional(),
})

export const scheduleInput = z.object({
  id: objId.optional(),
  conn: connId,
  target: objId,
  /** 5 fields (minute precision) or 6 (with seconds first), croner syntax. */
  cron: z.string().min(1).max(200),
  keepLast: z.number().int().min(0).max(100_000).default(7),
  keepDaily: z.number().int().min(0).max(10_000).default(0),
  keepWeekly: z.number().int().min(0).max(10_000).default(0),
  keepMonthly: z.number().int().min(0).max(10_000).default(0),
  enabled: z.boolean().default(true),
})

export const restoreSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('backup'), id: objId }),
  z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('s3'), target: objId, key: z.string().min(1).max(2048) }),
])

export const restoreMode = z.enum(['replace', 'merge-keep', 'merge-replace'])

/** Arguments of every method, by name. */
export const methods = {
  'app.info': z.object({}),
  'engine.status': z.object({}),
  'engine.restart': z.object({}),
  'connections.list': z.object({}),
  'connections.save': profileInput,
  'connections.remove': z.object({ id: connId }),
  'connections.test': profileInput,
  'connections.open': z.object({ id: connId }),
  'connections.close': z.object({ id: connId }),
  'keys.dbs': z.object({ conn: connId }),
  'keys.scanStart': z.object({
    conn: connId,
    db: dbIndex,
    pattern: z.string().max(4096).default('*'),
    type: redisType.optional(),
    count: z.number().int().min(10).max(10_000).optional(),
  }),
  'keys.scanCancel': z.object({ scanId: z.string() }),
  'keys.info': keyRef,
  'keys.types': z.object({ conn: connId, db: dbIndex, keys: z.array(keyName).max(500) }),
  'keys.string': keyRef.extend({
    offset: z.number().int().min(0),
    limit: z
      .number()
      .int()
      .min(1)
      .max(1 << 20),
  }),
  'keys.items': keyRef.extend({
    cursor: z.string().max(40).default('0'),
    count: z.number().int().min(1).max(1000).default(100),
    match: z.string().max(4096).optional(),
  }),
  'keys.edit': keyRef.extend({ edit: editOp }),
  'keys.create': keyRef.extend({
    type: redisType.exclude(['stream']),
    value: z.string(),
    field: z.string().optional(),
  }),
  'keys.ttl': keyRef.extend({ ttlMs: z.number().int().min(1).nullable() }),
  'keys.rename': keyRef.extend({ newKey: keyName, overwrite: z.boolean().default(false) }),
  'keys.delete': z.object({ conn: connId, db: dbIndex, keys: z.array(keyName).min(1).max(10_000) }),
  'keys.bulkDelete': z.object({
    conn: connId,
    db: dbIndex,
    pattern: z.string().min(1).max(4096),
    type: redisType.optional(),
  }),
  'keys.bulkCancel': z.object({ jobId: z.string() }),
  'keys.watch': z.object({ conn: connId, db: dbIndex }),
  'keys.unwatch': z.object({ conn: connId }),
  'cli.exec': z.object({
    conn: connId,
    db: dbIndex,
    line: z
      .string()
      .min(1)
      .max(1 << 20),
    confirmed: z.boolean().default(false),
  }),
  ...metricsMethods,
  'backups.targets': z.object({}),
  'backups.saveTarget': targetInput,
  'backups.removeTarget': z.object({ id: objId }),
  'backups.testTarget': targetInput,
  'backups.schedules': z.object({}),
  'backups.saveSchedule': scheduleInput,
  'backups.removeSchedule': z.object({ id: objId }),
  'backups.list': z.object({ conn: connId.optional(), target: objId.optional() }),
  'backups.run': z.object({ conn: connId, target: objId }),
  'backups.cancel': z.object({ jobId: z.string().max(64) }),
  'backups.delete': z.object({ id: objId }),
  'backups.rebuild': z.object({ target: objId }),
  'backups.objects': z.object({ target: objId }),
  'restore.open': z.object({ source: restoreSource }),
  'restore.status': z.object({ session: objId }),
  'restore.browse': z.object({ session: objId }),
  'restore.run': z.object({
    session: objId,
    conn: connId,
    mode: restoreMode,
    pattern: z.string().max(4096).default('*'),
    dbs: z.array(dbIndex).max(16_000).default([]),
  }),
  'restore.cancel': z.object({ session: objId }),
  'restore.rollback': z.object({ session: objId }),
  'restore.close': z.object({ session: objId }),
  'restore.history': z.object({}),
  'offline.open': z.object({ path: z.string().min(1).max(4096) }),
  'offline.close': z.object({ conn: connId }),
} as const

export type MethodName = keyof typeof methods
export type MethodArgs<M extends MethodName> = z.input<(typeof methods)[M]>
export type ParsedArgs<M extends MethodName> = z.output<(typeof methods)[M]>
export type ProfileInput = z.input<typeof profileInput>
export type EditOp = z.infer<typeof editOp>
export type RedisType = z.infer<typeof redisType>
export type TargetInput = z.input<typeof targetInput>
export type ScheduleInput = z.input<typeof scheduleInput>
export type RestoreSource = z.infer<typeof restoreSource>
export type RestoreMode = z.infer<typeof restoreMode>

export type EngineState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'crashed'

export interface EngineStatus {
  state: EngineState
  port: number | null
  pid: number | null
  dataDir: string
  configFile: string
  restarts: number
  /** Last crash or start failure, shown to the user. */
  lastError: string | null
}

export interface ConnectionInfo {
  id: string
  name: string
  host: string
  port: number
  username?: string
  db: number
  tls: z.infer<typeof tlsSchema>
  separator: string
  hasPassword: boolean
  /** The embedded engine: main also owns its data folder and config. */
  managed: boolean
  /** An RDB file opened for inspection: browsing only, every write is refused. */
  readOnly?: boolean
  /** The file behind a read-only inspection connection. */
  file?: string
}

export interface DbCount {
  db: number
  keys: number
  expires: number
}

export interface ServerSummary {
  version: string
  mode: string
  databases: number
  dbs: DbCount[]
  /** Whether keyspace notifications can drive live updates (notify-keyspace-events has K/E and g$…). */
  notifications: boolean
}

export interface KeyInfo {
  key: string
  exists: boolean
  type: string
  /** Milliseconds, -1 without expiry. */
  ttlMs: number
  encoding: string | null
  /** MEMORY USAGE in bytes, or null when the server doesn't support it. */
  memory: number | null
  /** Length in elements (bytes for strings). */
  length: number
}

export interface StringChunk {
  /** The chunk's bytes, base64, so binary values survive the transport. */
  base64: string
  offset: number
  total: number
}

export interface Item {
  /** Hash field, list index (as text) or set/zset member. */
  field: string
  value?: string
  score?: number
}

export interface ItemsPage {
  items: Item[]
  /** '0' when there is nothing more. */
  cursor: string
  total: number
}

export type CliReply =
  | { t: 'nil' }
  | { t: 'int'; v: number }
  | { t: 'str'; v: string }
  | { t: 'err'; v: string }
  | { t: 'arr'; v: CliReply[] }

export interface CliResult {
  /** Set when the command needs confirmation: the reason to show; nothing ran. */
  confirm?: string
  reply?: CliReply
  /** The db the CLI session is in after the command (SELECT changes it). */
  db: number
  ms: number
}

export interface BackupTarget {
  id: string
  name: string
  kind: 'local' | 's3'
  path?: string
  bucket?: string
  prefix: string
  region: string
  endpoint?: string
  forcePathStyle: boolean
  accessKeyId?: string
  hasSecret: boolean
}

export interface BackupSchedule {
  id: string
  conn: string
  target: string
  cron: string
  keepLast: number
  keepDaily: number
  keepWeekly: number
  keepMonthly: number
  enabled: boolean
  nextRunAt: number | null
  lastRunAt: number | null
  lastStatus: string | null
  lastError: string | null
}

export type BackupStatus = 'running' | 'good' | 'failed' | 'cancelled'

export interface BackupEntry {
  id: string
  conn: string
  connName: string
  target: string
  key: string
  /** Where it is: a path or an s3:// URI. */
  location: string
  bytes: number
  sha256: string | null
  rdbVersion: number | null
  /** Keys per db, e.g. { "0": 120 }. */
  keys: Record<string, number>
  created: number
  durationMs: number | null
  status: BackupStatus
  error: string | null
  kind: 'manual' | 'scheduled' | 'safety'
  schedule: string | null
}

export interface TypeStat {
  keys: number
  bytes: number
}

export interface RdbReport {
  version: number
  aux: Record<string, string>
  dbs: Record<string, { keys: number; expires: number; bytes: number; types: Record<string, TypeStat> }>
  keys: number
  expires: number
  expired: number
  bytes: number
  checksum: string
  crc: string
  report?: {
    top: { db: number; key: string; type: string; bytes: number; length: number; expireAt: number }[]
    prefixes: (TypeStat & { prefix: string })[]
    types: Record<string, TypeStat>
  }
}

export interface RestoreVerify {
  sha256: string
  expectedSha256: string | null
  /** null when there is nothing to compare with (a file not in the catalog). */
  shaMatch: boolean | null
  checksum: string
  parsed: boolean
  error: string | null
}

export type RestorePhase =
  | 'verifying'
  | 'verified'
  | 'invalid'
  | 'safety'
  | 'restoring'
  | 'checking'
  | 'done'
  | 'failed'
  | 'cancelled'
  | 'rolling-back'
  | 'rolled-back'

export interface RestoreCheck {
  dbs: { db: number; expected: number; actual: number; ok: boolean }[]
  samples: number
  samplesOk: number
  mismatches: string[]
  ok: boolean
}

export interface RestoreState {
  session: string
  phase: RestorePhase
  source: string
  bytes: number
  created: number | null
  verify: RestoreVerify | null
  summary: RdbReport | null
  target: string | null
  mode: RestoreMode | null
  safetyBackup: string | null
  progress: { done: number; total: number; rate: number } | null
  check: RestoreCheck | null
  error: string | null
}

export interface RestoreRecord {
  id: string
  started: number
  finished: number | null
  source: string
  conn: string
  mode: string
  status: string
  error: string | null
  keys: number
  safetyBackup: string | null
}

/** Result type of every method, by name. */
export interface Results extends MetricsResults {
  'app.info': {
    version: string
    transport: 'ipc' | 'web'
    /** False when started without the embedded engine (`--no-engine`). */
    embedded: boolean
    secretStorage: 'os' | 'file'
    secretWarning?: string
  }
  'engine.status': EngineStatus
  'engine.restart': EngineStatus
  'connections.list': ConnectionInfo[]
  'connections.save': ConnectionInfo
  'connections.remove': { removed: boolean }
  'connections.test': ServerSummary
  'connections.open': ServerSummary
  'connections.close': { closed: boolean }
  'keys.dbs': DbCount[]
  'keys.scanStart': { scanId: string; total: number }
  'keys.scanCancel': { cancelled: boolean }
  'keys.info': KeyInfo
  'keys.types': string[]
  'keys.string': StringChunk
  'keys.items': ItemsPage
  'keys.edit': KeyInfo
  'keys.create': KeyInfo
  'keys.ttl': KeyInfo
  'keys.rename': KeyInfo
  'keys.delete': { deleted: number }
  'keys.bulkDelete': { jobId: string }
  'keys.bulkCancel': { cancelled: boolean }
  'keys.watch': { live: boolean; reason?: string }
  'keys.unwatch': { stopped: boolean }
  'cli.exec': CliResult
  'backups.targets': BackupTarget[]
  'backups.saveTarget': BackupTarget
  'backups.removeTarget': { removed: boolean }
  'backups.testTarget': { message: string }
  'backups.schedules': BackupSchedule[]
  'backups.saveSchedule': BackupSchedule
  'backups.removeSchedule': { removed: boolean }
  'backups.list': BackupEntry[]
  'backups.run': { jobId: string; backup: string }
  'backups.cancel': { cancelled: boolean }
  'backups.delete': { deleted: boolean }
  'backups.rebuild': { found: number; added: number }
  'backups.objects': { key: string; size: number; modified: number }[]
  'restore.open': RestoreState
  'restore.status': RestoreState
  'restore.browse': { conn: string }
  'restore.run': RestoreState
  'restore.cancel': { cancelled: boolean }
  'restore.rollback': RestoreState
  'restore.close': { closed: boolean }
  'restore.history': RestoreRecord[]
  'offline.open': { conn: string; summary: RdbReport }
  'offline.close': { closed: boolean }
}

/** Event streams main pushes to the renderer. */
export interface Events extends MetricsEvents {
  'engine.status': EngineStatus
  'keys.scanBatch': {
    scanId: string
    keys: string[]
    scanned: number
    total: number
    done: boolean
    error?: string
  }
  'keys.bulkProgress': {
    jobId: string
    deleted: number
    scanned: number
    total: number
    done: boolean
    cancelled: boolean
    error?: string
  }
  /** Keyspace notifications, gathered per ~100 ms; `overflow` when too many came to list them all. */
  'keys.changed': { conn: string; db: number; changes: { key: string; event: string }[]; overflow: boolean }
  /** A message for the user; `title` says what it is about (the embedded engine, backups, …). */
  notice: { level: 'info' | 'warning' | 'error'; title: string; message: string }
  /** A running backup: bytes so far and the rate over the last second. */
  'backups.progress': {
    jobId: string
    backup: string
    conn: string
    target: string
    bytes: number
    rate: number
    done: boolean
  }
  /** The catalog or the schedules changed (a backup finished, retention pruned, a schedule ran). */
  'backups.changed': { reason: string }
  'restore.progress': RestoreState
}

export type EventName = keyof Events
export const eventNames: readonly EventName[] = [
  'engine.status',
  'keys.scanBatch',
  'keys.bulkProgress',
  'keys.changed',
  'notice',
  ...metricsEventNames,
  'backups.progress',
  'backups.changed',
  'restore.progress',
]
export const methodNames = Object.keys(methods) as MethodName[]

/** Errors cross the transport as this shape; the renderer rethrows them as ApiError. */
export interface WireError {
  code: 'invalid' | 'failed' | 'unknown-method'
  message: string
}

/** Every call's answer on the wire (IPC and WebSocket alike): thrown errors don't survive IPC. */
export type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: WireError }

/** What the preload exposes as `window.strata` and the WebSocket client provides in the browser. */
export interface StrataBridge {
  call(method: MethodName, args: unknown): Promise<Envelope>
  on(event: EventName, listener: (payload: unknown) => void): () => void
}

/** The typed API the renderer's stores use (renderer/src/api wraps a StrataBridge into this). */
export interface StrataApi {
  call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Results[M]>
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void
}
