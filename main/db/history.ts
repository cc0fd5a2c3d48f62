// The metrics history database (its own SQLite file beside console.sqlite: it is written every
// second and grows to hundreds of MB, so it stays apart from profiles and secrets and can be
// deleted alone). Raw samples (one row per poll, kept 24 h), 1-minute and 1-hour rollups with
// min/avg/max (kept 30 days and a year), keys per db at each level, timeline events, the audit log
// of admin actions and the list of watched connections. Every write of a collector tick is one
// transaction; rollups and retention run in it when a minute boundary passes.

import type { AuditEntry, EventKind, History, MetricName, TimelineEvent, TimelineEventInput } from '../api/contract.js'
import { METRICS } from '../api/contract.js'
import { openDatabase, type Sqlite } from './store.js'

export const MINUTE = 60_000
export const HOUR = 3_600_000
const DAY = 24 * HOUR

/** How long each level is kept (ms). */
export const RETENTION = { raw: DAY, minute: 30 * DAY, hour: 365 * DAY, events: 365 * DAY }

/** The metric columns migration 1 created; a new metric needs a migration adding its columns. */
const V1_METRICS = [
  'mem_used',
  'mem_rss',
  'mem_peak',
  'mem_dataset',
  'maxmemory',
  'frag',
  'ops',
  'evicted',
  'expired',
  'hits',
  'misses',
  'hit_ratio',
  'net_in',
  'net_out',
  'clients',
  'blocked',
  'keys',
  'expires',
  'changes',
  'save_age',
  'aof_size',
  'bgsave',
  'rewrite',
]

const MIGRATIONS = [
  `CREATE TABLE raw (conn TEXT NOT NULL, ts INTEGER NOT NULL, ${V1_METRICS.map((m) => `${m} REAL`).join(', ')},
     PRIMARY KEY (conn, ts)) WITHOUT ROWID;
   CREATE TABLE raw_db (conn TEXT NOT NULL, ts INTEGER NOT NULL, db INTEGER NOT NULL, keys INTEGER NOT NULL,
     PRIMARY KEY (conn, ts, db)) WITHOUT ROWID;
   CREATE TABLE rollup (conn TEXT NOT NULL, res INTEGER NOT NULL, ts INTEGER NOT NULL, n INTEGER NOT NULL,
     ${V1_METRICS.map((m) => `${m}_min REAL, ${m}_avg REAL, ${m}_max REAL`).join(', ')},
     PRIMARY KEY (conn, res, ts)) WITHOUT ROWID;
   CREATE TABLE rollup_db (conn TEXT NOT NULL, res INTEGER NOT NULL, ts INTEGER NOT NULL, db INTEGER NOT NULL,
     keys_min REAL, keys_avg REAL, keys_max REAL, PRIMARY KEY (conn, res, ts, db)) WITHOUT ROWID;
   CREATE TABLE series (conn TEXT PRIMARY KEY);
   CREATE TABLE marks (res INTEGER PRIMARY KEY, next_ts INTEGER NOT NULL);
   CREATE TABLE events (id INTEGER PRIMARY KEY, conn TEXT NOT NULL, ts INTEGER NOT NULL, kind TEXT NOT NULL,
     detail TEXT NOT NULL);
   CREATE INDEX events_conn_ts ON events (conn, ts);
   CREATE TABLE audit (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, conn TEXT NOT NULL, action TEXT NOT NULL,
     target TEXT NOT NULL, detail TEXT NOT NULL, outcome TEXT NOT NULL, error TEXT, duration_ms INTEGER);
   CREATE INDEX audit_conn_ts ON audit (conn, ts);
   CREATE TABLE watched (conn TEXT PRIMARY KEY);`,
]

const NAMES = METRICS.map((m) => m.name) as MetricName[]
if (NAMES.join() !== V1_METRICS.join()) throw new Error('METRICS changed without a history migration')

export interface TickRow {
  conn: string
  ts: number
  values: (number | null)[]
  dbs: Record<number, { keys: number }>
}

export type AuditInput = Omit<AuditEntry, 'id' | 'ts' | 'error' | 'durationMs'> & {
  ts?: number
  error?: string | null
  durationMs?: number | null
}

type Level = { res: number; table: 'raw' | 'rollup'; keep: number }

export class HistoryStore {
  readonly db: Sqlite
  private readonly insRaw
  private readonly insRawDb
  private readonly insSeries
  private readonly insEvent
  private readonly recentConfig
  private readonly insAudit
  private readonly rollupStmt
  private readonly rollupDbStmt
  private lastMinute = -1

  constructor(file: string) {
    this.db = openDatabase(file, MIGRATIONS)
    const cols = NAMES.join(', ')
    this.insRaw = this.db.prepare(
      `INSERT OR REPLACE INTO raw (conn, ts, ${cols}) VALUES (?, ?, ${NAMES.map(() => '?').join(', ')})`,
    )
    this.insRawDb = this.db.prepare('INSERT OR REPLACE INTO raw_db (conn, ts, db, keys) VALUES (?, ?, ?, ?)')
    this.insSeries = this.db.prepare('INSERT OR IGNORE INTO series (conn) VALUES (?)')
    this.insEvent = this.db.prepare('INSERT INTO events (conn, ts, kind, detail) VALUES (?, ?, ?, ?)')
    this.recentConfig = this.db.prepare(
      `SELECT 1 FROM events WHERE conn = ? AND kind = 'config' AND ts >= ? AND detail = ? LIMIT 1`,
    )
    this.insAudit = this.db.prepare(
      `INSERT INTO audit (ts, conn, action, target, detail, outcome, error, duration_ms)
       VALUES (@ts, @conn, @action, @target, @detail, @outcome, @error, @durationMs)`,
    )
    const agg = NAMES.map((m) => `min(${m}), avg(${m}), max(${m})`).join(', ')
    const rcols = NAMES.map((m) => `${m}_min, ${m}_avg, ${m}_max`).join(', ')
    this.rollupStmt = this.db.prepare(
      `INSERT OR REPLACE INTO rollup (conn, res, ts, n, ${rcols})
       SELECT conn, @res, (ts / CAST(@res AS INTEGER)) * CAST(@res AS INTEGER) AS b, count(*), ${agg}
       FROM raw WHERE conn = @conn AND ts >= @from AND ts < @to GROUP BY b`,
    )
    this.rollupDbStmt = this.db.prepare(
      `INSERT OR REPLACE INTO rollup_db (conn, res, ts, db, keys_min, keys_avg, keys_max)
       SELECT conn, @res, (ts / CAST(@res AS INTEGER)) * CAST(@res AS INTEGER) AS b, db, min(keys), avg(keys), max(keys)
       FROM raw_db WHERE conn = @conn AND ts >= @from AND ts < @to GROUP BY b, db`,
    )
  }

  /** One collector tick: samples and events in one transaction, plus rollups/retention per minute. */
  writeTick(rows: TickRow[], events: { conn: string; event: TimelineEventInput }[], now: number): TimelineEvent[] {
    const stored: TimelineEvent[] = []
    this.db.transaction(() => {
      for (const r of rows) {
        this.insSeries.run(r.conn)
        this.insRaw.run(r.conn, r.ts, ...r.values)
        for (const [db, d] of Object.entries(r.dbs)) this.insRawDb.run(r.conn, r.ts, Number(db), d.keys)
      }
      for (const e of events) {
        const ev = this.addEvent(e.conn, e.event)
        if (ev) stored.push(ev)
      }
      const minute = Math.floor(now / MINUTE)
      if (minute !== this.lastMinute) {
        this.lastMinute = minute
        this.rollup(now)
        this.enforceRetention(now)
      }
    })()
    return stored
  }

  /**
   * A timeline event; a config change already recorded in the last 10 s (by the console's own
   * CONFIG SET, then seen again in INFO) is not stored twice.
   */
  addEvent(conn: string, e: TimelineEventInput): TimelineEvent | null {
    const detail = JSON.stringify(e.detail)
    if (e.kind === 'config' && this.recentConfig.get(conn, e.ts - 10_000, detail)) return null
    const id = Number(this.insEvent.run(conn, e.ts, e.kind, detail).lastInsertRowid)
    return { id, conn, ...e }
  }

  /** Rolls every completed minute and hour bucket since the last run up from the raw samples. */
  rollup(now: number): void {
    const conns = this.conns()
    for (const res of [MINUTE, HOUR]) {
      const end = Math.floor(now / res) * res
      const mark = this.db.prepare('SELECT next_ts FROM marks WHERE res = ?').pluck().get(res) as number | undefined
      let from = mark
      if (from === undefined) {
        const first = this.db.prepare('SELECT min(ts) FROM raw').pluck().get() as number | null
        if (first === null) continue
        from = Math.floor(first / res) * res
      }
      if (from >= end) continue
      for (const conn of conns) {
        this.rollupStmt.run({ res, conn, from, to: end })
        this.rollupDbStmt.run({ res, conn, from, to: end })
      }
      this.db.prepare('INSERT OR REPLACE INTO marks (res, next_ts) VALUES (?, ?)').run(res, end)
    }
  }

  /** Deletes what each level keeps no longer: raw > 24 h, minutes > 30 days, hours and events > a year. */
  enforceRetention(now: number): void {
    for (const conn of this.conns()) {
      this.db.prepare('DELETE FROM raw WHERE conn = ? AND ts < ?').run(conn, now - RETENTION.raw)
      this.db.prepare('DELETE FROM raw_db WHERE conn = ? AND ts < ?').run(conn, now - RETENTION.raw)
      for (const [res, keep] of [
        [MINUTE, RETENTION.minute],
        [HOUR, RETENTION.hour],
      ]) {
        this.db.prepare('DELETE FROM rollup WHERE conn = ? AND res = ? AND ts < ?').run(conn, res, now - keep)
        this.db.prepare('DELETE FROM rollup_db WHERE conn = ? AND res = ? AND ts < ?').run(conn, res, now - keep)
      }
      this.db.prepare('DELETE FROM events WHERE conn = ? AND ts < ?').run(conn, now - RETENTION.events)
    }
  }

  conns(): string[] {
    return this.db.prepare('SELECT conn FROM series').pluck().all() as string[]
  }

  /**
   * The series of one connection between from and to at the finest level that still holds that
   * range and gives at most maxPoints points (grouping further in SQL when needed).
   */
  history(
    conn: string,
    from: number,
    to: number,
    maxPoints: number,
    now: number,
    { rawInterval = 1000, bands = false }: { rawInterval?: number; bands?: boolean } = {},
  ): Omit<History, 'status'> {
    const span = Math.max(1, to - from)
    const levels: Level[] = [
      { res: rawInterval, table: 'raw', keep: RETENTION.raw },
      { res: MINUTE, table: 'rollup', keep: RETENTION.minute },
      { res: HOUR, table: 'rollup', keep: RETENTION.hour },
    ]
    const covers = (l: Level) => from >= now - l.keep - l.res
    let at = levels.findIndex((l) => covers(l) && span / l.res <= maxPoints)
    if (at < 0) at = Math.max(0, levels.findIndex(covers))
    if (at < 0) at = levels.length - 1
    // A level that holds nothing yet (the app ran for less than an hour): the finer ones, grouped.
    let rows: unknown[][] = []
    let level = levels[at]
    let group = 0
    for (let i = at; i >= 0; i--) {
      level = levels[i]
      group = span / level.res > maxPoints ? Math.ceil(span / maxPoints / level.res) * level.res : 0
      rows = this.seriesRows(conn, from, to, level, group, bands)
      if (rows.length) break
    }
    const out: Omit<History, 'status'> = {
      conn,
      resolution: (group || level.res) / 1000,
      ts: [],
      avg: {} as History['avg'],
      dbKeys: {},
      events: this.events(conn, from, to),
    }
    const min = {} as NonNullable<History['min']>
    const max = {} as NonNullable<History['max']>
    for (const m of NAMES) {
      out.avg[m] = []
      min[m] = []
      max[m] = []
    }
    const index = new Map<number, number>()
    const width = bands ? 3 : 1
    for (const r of rows) {
      index.set(r[0] as number, out.ts.length)
      out.ts.push(r[0] as number)
      for (let i = 0; i < NAMES.length; i++) {
        if (bands) {
          min[NAMES[i]].push(r[1 + i * width] as number | null)
          max[NAMES[i]].push(r[3 + i * width] as number | null)
        }
        out.avg[NAMES[i]].push(r[(bands ? 2 : 1) + i * width] as number | null)
      }
    }
    if (bands) Object.assign(out, { min, max })
    for (const [ts, db, keys] of this.dbRows(conn, from, to, level, group)) {
      const i = index.get(ts)
      if (i === undefined) continue
      out.dbKeys[db] ??= new Array<number | null>(out.ts.length).fill(null)
      out.dbKeys[db][i] = keys
    }
    return out
  }

  private seriesRows(conn: string, from: number, to: number, l: Level, group: number, bands: boolean): unknown[][] {
    const bucket = group ? `(ts / CAST(@g AS INTEGER)) * CAST(@g AS INTEGER)` : 'ts'
    const pick = (mn: string, avg: string, mx: string) => (bands ? `${mn}, ${avg}, ${mx}` : avg)
    let cols: string
    if (l.table === 'raw') {
      cols = group
        ? NAMES.map((m) => pick(`min(${m})`, `avg(${m})`, `max(${m})`)).join(', ')
        : NAMES.map((m) => pick(m, m, m)).join(', ')
    } else {
      cols = group
        ? NAMES.map((m) =>
            pick(
              `min(${m}_min)`,
              `sum(${m}_avg * n) / sum(CASE WHEN ${m}_avg IS NULL THEN 0 ELSE n END)`,
              `max(${m}_max)`,
            ),
          ).join(', ')
        : NAMES.map((m) => pick(`${m}_min`, `${m}_avg`, `${m}_max`)).join(', ')
    }
    const where = `conn = @conn ${l.table === 'rollup' ? 'AND res = @res' : ''} AND ts >= @from AND ts <= @to`
    const sql = `SELECT ${bucket} AS b, ${cols} FROM ${l.table} WHERE ${where} ${group ? 'GROUP BY b' : ''} ORDER BY b`
    return this.db
      .prepare(sql)
      .raw()
      .all({
        conn,
        from,
        to,
        ...(l.table === 'rollup' ? { res: l.res } : {}),
        ...(group ? { g: group } : {}),
      }) as unknown[][]
  }

  private dbRows(conn: string, from: number, to: number, l: Level, group: number): [number, number, number][] {
    const bucket = group ? `(ts / CAST(@g AS INTEGER)) * CAST(@g AS INTEGER)` : 'ts'
    const table = l.table === 'raw' ? 'raw_db' : 'rollup_db'
    const keys = l.table === 'raw' ? 'keys' : 'keys_avg'
    const where = `conn = @conn ${l.table === 'rollup' ? 'AND res = @res' : ''} AND ts >= @from AND ts <= @to`
    const sql = group
      ? `SELECT ${bucket} AS b, db, avg(${keys}) FROM ${table} WHERE ${where} GROUP BY b, db`
      : `SELECT ts, db, ${keys} FROM ${table} WHERE ${where}`
    return this.db
      .prepare(sql)
      .raw()
      .all({ conn, from, to, ...(l.table === 'rollup' ? { res: l.res } : {}), ...(group ? { g: group } : {}) }) as [
      number,
      number,
      number,
    ][]
  }

  events(conn: string, from: number, to: number, limit = 5000): TimelineEvent[] {
    const rows = this.db
      .prepare(
        'SELECT id, conn, ts, kind, detail FROM events WHERE conn = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC LIMIT ?',
      )
      .all(conn, from, to, limit) as { id: number; conn: string; ts: number; kind: EventKind; detail: string }[]
    return rows.reverse().map((r) => ({ ...r, detail: JSON.parse(r.detail) as TimelineEvent['detail'] }))
  }

  recordAudit(a: AuditInput): AuditEntry {
    const row = {
      ts: a.ts ?? Date.now(),
      conn: a.conn,
      action: a.action,
      target: a.target,
      detail: a.detail,
      outcome: a.outcome,
      error: a.error ?? null,
      durationMs: a.durationMs ?? null,
    }
    const id = Number(this.insAudit.run(row).lastInsertRowid)
    return { id, ...row }
  }

  audit(conn: string | undefined, limit: number): AuditEntry[] {
    const sql = `SELECT id, ts, conn, action, target, detail, outcome, error, duration_ms AS durationMs FROM audit
      ${conn ? 'WHERE conn = @conn' : ''} ORDER BY id DESC LIMIT @limit`
    return this.db.prepare(sql).all(conn ? { conn, limit } : { limit }) as AuditEntry[]
  }

  watched(): string[] {
    return this.db.prepare('SELECT conn FROM watched ORDER BY conn').pluck().all() as string[]
  }

  setWatched(conn: string, on: boolean): void {
    if (on) this.db.prepare('INSERT OR IGNORE INTO watched (conn) VALUES (?)').run(conn)
    else this.db.prepare('DELETE FROM watched WHERE conn = ?').run(conn)
  }

  close(): void {
    this.db.close()
  }
}
