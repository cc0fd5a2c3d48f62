// The backup catalog in the console's SQLite: targets, backups (one row per attempt, marked good
// only once the object and its sidecar are complete), schedules and restores. The tables are
// created here with IF NOT EXISTS so this room needs no slot in the shared migration list.
// Target secrets (the S3 secret key) live in the SecretStore under `target:<id>`, never here.

import { randomUUID } from 'node:crypto'
import type { BackupEntry, BackupSchedule, BackupStatus, BackupTarget, RestoreRecord } from '../../api/contract.js'
import type { Sqlite } from '../../db/store.js'
import type { TargetConfig } from './targets.js'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS backup_targets (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS backups (
  id TEXT PRIMARY KEY, connection_id TEXT NOT NULL, connection_name TEXT NOT NULL, target_id TEXT NOT NULL,
  key TEXT NOT NULL, bytes INTEGER NOT NULL DEFAULT 0, sha256 TEXT, rdb_version INTEGER, keys_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL, duration_ms INTEGER, status TEXT NOT NULL, error TEXT, kind TEXT NOT NULL,
  schedule_id TEXT);
CREATE INDEX IF NOT EXISTS backups_by_target ON backups (target_id, created_at);
CREATE UNIQUE INDEX IF NOT EXISTS backups_target_key ON backups (target_id, key);
CREATE TABLE IF NOT EXISTS backup_schedules (
  id TEXT PRIMARY KEY, connection_id TEXT NOT NULL, target_id TEXT NOT NULL, cron TEXT NOT NULL,
  keep_last INTEGER NOT NULL, keep_daily INTEGER NOT NULL, keep_weekly INTEGER NOT NULL, keep_monthly INTEGER NOT NULL,
  enabled INTEGER NOT NULL, next_run_at INTEGER, last_run_at INTEGER, last_status TEXT, last_error TEXT,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS restores (
  id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, finished_at INTEGER, source TEXT NOT NULL,
  connection_id TEXT NOT NULL, mode TEXT NOT NULL, status TEXT NOT NULL, error TEXT, keys INTEGER NOT NULL DEFAULT 0,
  safety_backup_id TEXT);
`

export interface TargetRow {
  id: string
  name: string
  config: TargetConfig
}

interface BackupRow {
  id: string
  connection_id: string
  connection_name: string
  target_id: string
  key: string
  bytes: number
  sha256: string | null
  rdb_version: number | null
  keys_json: string
  created_at: number
  duration_ms: number | null
  status: BackupStatus
  error: string | null
  kind: BackupEntry['kind']
  schedule_id: string | null
}

interface ScheduleRow {
  id: string
  connection_id: string
  target_id: string
  cron: string
  keep_last: number
  keep_daily: number
  keep_weekly: number
  keep_monthly: number
  enabled: number
  next_run_at: number | null
  last_run_at: number | null
  last_status: string | null
  last_error: string | null
}

/** A backup row without the location (the service adds it from the target). */
export type CatalogEntry = Omit<BackupEntry, 'location'>

function toEntry(r: BackupRow): CatalogEntry {
  return {
    id: r.id,
    conn: r.connection_id,
    connName: r.connection_name,
    target: r.target_id,
    key: r.key,
    bytes: r.bytes,
    sha256: r.sha256,
    rdbVersion: r.rdb_version,
    keys: JSON.parse(r.keys_json) as Record<string, number>,
    created: r.created_at,
    durationMs: r.duration_ms,
    status: r.status,
    error: r.error,
    kind: r.kind,
    schedule: r.schedule_id,
  }
}

function toSchedule(r: ScheduleRow): BackupSchedule {
  return {
    id: r.id,
    conn: r.connection_id,
    target: r.target_id,
    cron: r.cron,
    keepLast: r.keep_last,
    keepDaily: r.keep_daily,
    keepWeekly: r.keep_weekly,
    keepMonthly: r.keep_monthly,
    enabled: r.enabled === 1,
    nextRunAt: r.next_run_at,
    lastRunAt: r.last_run_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
  }
}

export function targetView(t: TargetRow, hasSecret: boolean): BackupTarget {
  const c = t.config
  return c.kind === 'local'
    ? { id: t.id, name: t.name, kind: 'local', path: c.path, prefix: '', region: '', forcePathStyle: false, hasSecret }
    : {
        id: t.id,
        name: t.name,
        kind: 's3',
        bucket: c.bucket,
        prefix: c.prefix,
        region: c.region,
        endpoint: c.endpoint,
        forcePathStyle: c.forcePathStyle,
        accessKeyId: c.accessKeyId,
        hasSecret,
      }
}

export class Catalog {
  constructor(private readonly db: Sqlite) {
    db.exec(SCHEMA)
  }

  // Targets

  targets(): TargetRow[] {
    const rows = this.db.prepare('SELECT id, name, config FROM backup_targets ORDER BY created_at, id').all() as {
      id: string
      name: string
      config: string
    }[]
    return rows.map((r) => ({ id: r.id, name: r.name, config: JSON.parse(r.config) as TargetConfig }))
  }

  target(id: string): TargetRow | undefined {
    return this.targets().find((t) => t.id === id)
  }

  saveTarget(t: TargetRow): void {
    this.db
      .prepare(
        `INSERT INTO backup_targets (id, name, config, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, config = excluded.config`,
      )
      .run(t.id, t.name, JSON.stringify(t.config), Date.now())
  }

  removeTarget(id: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM backup_schedules WHERE target_id = ?').run(id)
      this.db.prepare("DELETE FROM backups WHERE target_id = ? AND kind != 'safety'").run(id)
      return this.db.prepare('DELETE FROM backup_targets WHERE id = ?').run(id).changes > 0
    })()
  }

  // Backups

  begin(e: {
    conn: string
    connName: string
    target: string
    key: string
    kind: BackupEntry['kind']
    schedule: string | null
    created: number
  }): string {
    const id = randomUUID()
    this.db
      .prepare(
        `INSERT INTO backups (id, connection_id, connection_name, target_id, key, created_at, status, kind, schedule_id)
         VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
      )
      .run(id, e.conn, e.connName, e.target, e.key, e.created, e.kind, e.schedule)
    return id
  }

  finish(
    id: string,
    r: {
      status: BackupStatus
      bytes?: number
      sha256?: string
      rdbVersion?: number
      keys?: Record<string, number>
      durationMs: number
      error?: string
    },
  ): void {
    this.db
      .prepare(
        `UPDATE backups SET status = @status, bytes = COALESCE(@bytes, bytes), sha256 = @sha256, rdb_version = @rdbVersion,
           keys_json = COALESCE(@keys, keys_json), duration_ms = @durationMs, error = @error WHERE id = @id`,
      )
      .run({
        id,
        status: r.status,
        bytes: r.bytes ?? null,
        sha256: r.sha256 ?? null,
        rdbVersion: r.rdbVersion ?? null,
        keys: r.keys ? JSON.stringify(r.keys) : null,
        durationMs: r.durationMs,
        error: r.error ?? null,
      })
  }

  /** Inserts a good backup found on a target (catalog rebuild); false when its key is known. */
  adopt(e: CatalogEntry): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO backups (id, connection_id, connection_name, target_id, key, bytes, sha256, rdb_version,
             keys_json, created_at, duration_ms, status, error, kind, schedule_id)
           VALUES (@id, @conn, @connName, @target, @key, @bytes, @sha256, @rdbVersion, @keys, @created, @durationMs,
             'good', NULL, @kind, @schedule)`,
        )
        .run({ ...e, keys: JSON.stringify(e.keys) }).changes > 0
    )
  }

  backup(id: string): CatalogEntry | undefined {
    const r = this.db.prepare('SELECT * FROM backups WHERE id = ?').get(id) as BackupRow | undefined
    return r && toEntry(r)
  }

  backups(f: { conn?: string; target?: string; schedule?: string; status?: BackupStatus } = {}): CatalogEntry[] {
    const where: string[] = []
    if (f.conn) where.push('connection_id = @conn')
    if (f.target) where.push('target_id = @target')
    if (f.schedule) where.push('schedule_id = @schedule')
    if (f.status) where.push('status = @status')
    const sql = `SELECT * FROM backups ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id`
    return (this.db.prepare(sql).all(f) as BackupRow[]).map(toEntry)
  }

  removeBackups(ids: string[]): void {
    const del = this.db.prepare('DELETE FROM backups WHERE id = ?')
    this.db.transaction(() => ids.forEach((id) => del.run(id)))()
  }

  /** Backups and restores left 'running' by a console that died in the middle of them. */
  failInterrupted(): void {
    this.db
      .prepare(
        "UPDATE backups SET status = 'failed', error = 'interrupted: the console stopped' WHERE status = 'running'",
      )
      .run()
    this.db
      .prepare(
        "UPDATE restores SET status = 'interrupted', error = 'the console stopped during the restore' WHERE status = 'running'",
      )
      .run()
  }

  // Schedules

  schedules(): BackupSchedule[] {
    return (this.db.prepare('SELECT * FROM backup_schedules ORDER BY created_at, id').all() as ScheduleRow[]).map(
      toSchedule,
    )
  }

  schedule(id: string): BackupSchedule | undefined {
    return this.schedules().find((s) => s.id === id)
  }

  saveSchedule(s: BackupSchedule): void {
    this.db
      .prepare(
        `INSERT INTO backup_schedules (id, connection_id, target_id, cron, keep_last, keep_daily, keep_weekly,
           keep_monthly, enabled, next_run_at, last_run_at, last_status, last_error, created_at)
         VALUES (@id, @conn, @target, @cron, @keepLast, @keepDaily, @keepWeekly, @keepMonthly, @enabled, @nextRunAt,
           @lastRunAt, @lastStatus, @lastError, @created)
         ON CONFLICT(id) DO UPDATE SET connection_id = @conn, target_id = @target, cron = @cron, keep_last = @keepLast,
           keep_daily = @keepDaily, keep_weekly = @keepWeekly, keep_monthly = @keepMonthly, enabled = @enabled,
           next_run_at = @nextRunAt, last_run_at = @lastRunAt, last_status = @lastStatus, last_error = @lastError`,
      )
      .run({ ...s, enabled: s.enabled ? 1 : 0, created: Date.now() })
  }

  removeSchedule(id: string): boolean {
    return this.db.prepare('DELETE FROM backup_schedules WHERE id = ?').run(id).changes > 0
  }

  // Restores (the audit trail of this room)

  beginRestore(r: { source: string; conn: string; mode: string }): string {
    const id = randomUUID()
    this.db
      .prepare(
        "INSERT INTO restores (id, started_at, source, connection_id, mode, status) VALUES (?, ?, ?, ?, ?, 'running')",
      )
      .run(id, Date.now(), r.source, r.conn, r.mode)
    return id
  }

  finishRestore(id: string, r: { status: string; error?: string; keys: number; safetyBackup: string | null }): void {
    this.db
      .prepare(
        'UPDATE restores SET finished_at = ?, status = ?, error = ?, keys = ?, safety_backup_id = ? WHERE id = ?',
      )
      .run(Date.now(), r.status, r.error ?? null, r.keys, r.safetyBackup, id)
  }

  restores(): RestoreRecord[] {
    const rows = this.db.prepare('SELECT * FROM restores ORDER BY started_at DESC LIMIT 200').all() as {
      id: string
      started_at: number
      finished_at: number | null
      source: string
      connection_id: string
      mode: string
      status: string
      error: string | null
      keys: number
      safety_backup_id: string | null
    }[]
    return rows.map((r) => ({
      id: r.id,
      started: r.started_at,
      finished: r.finished_at,
      source: r.source,
      conn: r.connection_id,
      mode: r.mode,
      status: r.status,
      error: r.error,
      keys: r.keys,
      safetyBackup: r.safety_backup_id,
    }))
  }
}
