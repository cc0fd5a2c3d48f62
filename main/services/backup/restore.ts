// The restore wizard's sessions: source (a catalog entry, a local .rdb, an S3 object) → verify
// (sha256 against the catalog, CRC-64 and a full parse in the RDB worker, with the memory report)
// → preview (read-only browsing through an offline engine) → run: a safety backup of the target,
// the restore, a check of key counts and sampled values → done, with roll-back to the safety
// backup. The embedded engine, replaced wholesale, gets its data files swapped while it is stopped
// (engine-files.ts); every other case is a RESTORE replay over RESP (replay.ts).

import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import type { Events, RdbReport, RestoreMode, RestoreSource, RestoreState } from '../../api/contract.js'
import { UserError } from '../../api/dispatcher.js'
import { EMBEDDED_ID, type Connections } from '../connections.js'
import type { EngineHost } from '../engine-host.js'
import { SAFETY_TARGET, type BackupService, type Sidecar } from './backups.js'
import { commit, rollback, stage, swap, type EngineFiles, type Step } from './engine-files.js'
import type { AuditLog } from '../audit.js'
import type { OfflineService } from './offline.js'
import { RdbInvalid, inspectFile, type RdbSummary } from './rdb-worker.js'
import { check, replay, type ReplayPlan } from './replay.js'

type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void

export interface RestoreDeps {
  backups: BackupService
  conns: Connections
  engine: EngineHost
  offline: OfflineService
  workerScript: string
  tmpDir: string
  emit: Emit
  /** Called before the embedded engine is stopped (watchers and CLI sessions let go of it). */
  releaseEngine: () => void
  /** Between the steps of a file swap (fault-injection for crash tests). */
  swapStep?: Step
  /** The admin audit log: every restore and roll-back gets a row with its outcome. */
  audit: Pick<AuditLog, 'record'>
}

/** A restore or roll-back in progress, as recorded in the catalog and the audit log. */
interface Run {
  id: string
  started: number
  source: string
  conn: string
  mode: string
}

interface RunEnd {
  status: 'done' | 'rolled-back' | 'failed' | 'cancelled'
  error?: string
  keys: number
  safetyBackup: string | null
}

interface Session {
  state: RestoreState
  file: string
  /** Temporary copy to remove on close (downloads). */
  temp: string | null
  summary: RdbSummary | null
  offline: string | null
  cancelled: boolean
  running: Promise<void> | null
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const c of createReadStream(path)) h.update(c as Buffer)
  return h.digest('hex')
}

export class RestoreService {
  private readonly sessions = new Map<string, Session>()

  constructor(private readonly d: RestoreDeps) {
    mkdirSync(d.tmpDir, { recursive: true })
  }

  private get(id: string): Session {
    const s = this.sessions.get(id)
    if (!s) throw new UserError('This restore session is closed')
    return s
  }

  private begin(r: { source: string; conn: string; mode: string }): Run {
    return { id: this.d.backups.catalog.beginRestore(r), started: Date.now(), ...r }
  }

  private finish(run: Run, end: RunEnd): void {
    this.d.backups.catalog.finishRestore(run.id, end)
    this.d.audit.record({
      conn: run.conn,
      action: run.mode === 'rollback' ? 'rollback' : 'restore',
      target: run.source,
      detail: `${run.mode}: ${end.status}, ${end.keys} keys${end.safetyBackup ? `, safety backup ${end.safetyBackup}` : ''}`,
      outcome: end.status === 'done' || end.status === 'rolled-back' ? 'ok' : 'error',
      error: end.error ?? null,
      durationMs: Date.now() - run.started,
    })
  }

  private update(s: Session, patch: Partial<RestoreState>): RestoreState {
    s.state = { ...s.state, ...patch }
    this.d.emit('restore.progress', s.state)
    return s.state
  }

  status(id: string): RestoreState {
    return this.get(id).state
  }

  /** Fetches the source (downloads land in the temp folder) and verifies it. */
  async open(source: RestoreSource): Promise<RestoreState> {
    const id = randomBytes(8).toString('hex')
    const s: Session = {
      state: {
        session: id,
        phase: 'verifying',
        source: '',
        bytes: 0,
        created: null,
        verify: null,
        summary: null,
        target: null,
        mode: null,
        safetyBackup: null,
        progress: null,
        check: null,
        error: null,
      },
      file: '',
      temp: null,
      summary: null,
      offline: null,
      cancelled: false,
      running: null,
    }
    this.sessions.set(id, s)
    let expected: string | null
    let sha: string
    try {
      if (source.kind === 'file') {
        if (!existsSync(source.path)) throw new UserError(`No such file: ${source.path}`)
        s.file = source.path
        s.state.source = source.path
        s.state.created = statSync(source.path).mtimeMs
        sha = await sha256File(source.path)
        expected = sidecarSha(source.path)
      } else {
        let target: string
        let key: string
        if (source.kind === 'backup') {
          const e = this.d.backups.catalog.backup(source.id)
          if (!e || e.status !== 'good') throw new UserError('That backup is not in the catalog as good')
          target = e.target
          key = e.key
          expected = e.sha256
          s.state.created = e.created
        } else {
          target = source.target
          key = source.key
          expected = await this.d.backups.expectedSha(target, key)
        }
        const store = this.d.backups.store(target)
        s.state.source = store.where(key)
        store.close()
        s.temp = s.file = join(this.d.tmpDir, `${id}.rdb`)
        this.update(s, {})
        const got = await this.d.backups.download(target, key, s.file, (n) =>
          this.update(s, { progress: { done: n, total: 0, rate: 0 } }),
        )
        sha = got.sha256
      }
      s.state.bytes = statSync(s.file).size
    } catch (e) {
      this.update(s, { phase: 'invalid', error: (e as Error).message })
      return s.state
    }
    const shaMatch = expected === null ? null : expected === sha
    const verify = {
      sha256: sha,
      expectedSha256: expected,
      shaMatch,
      checksum: 'unknown',
      parsed: false,
      error: null as string | null,
    }
    if (shaMatch === false) {
      verify.error = `sha256 mismatch: the catalog says ${expected}, the file is ${sha}`
      return this.update(s, { phase: 'invalid', verify, error: verify.error, progress: null })
    }
    try {
      const summary = await inspectFile(this.d.workerScript, s.file, { report: true, samples: 100 })
      s.summary = summary
      const { samples: _samples, ...report } = summary
      void _samples
      if (!s.state.created && summary.aux.ctime) s.state.created = Number(summary.aux.ctime) * 1000
      return this.update(s, {
        phase: 'verified',
        verify: { ...verify, checksum: summary.checksum, parsed: true },
        summary: report as RdbReport,
        progress: null,
      })
    } catch (e) {
      const msg = e instanceof RdbInvalid ? e.message : `Cannot read the file: ${(e as Error).message}`
      return this.update(s, { phase: 'invalid', verify: { ...verify, error: msg }, error: msg, progress: null })
    }
  }

  /** A read-only connection on the session's file for the preview's key browser. */
  async browse(id: string): Promise<string> {
    const s = this.get(id)
    if (s.state.phase === 'invalid' || s.state.phase === 'verifying') throw new UserError('Verify the file first')
    s.offline ??= (await this.d.offline.open(s.file, s.state.source.split('/').pop())).conn
    return s.offline
  }

  run(id: string, a: { conn: string; mode: RestoreMode; pattern: string; dbs: number[] }): RestoreState {
    const s = this.get(id)
    if (s.state.phase !== 'verified') throw new UserError(`This restore cannot start now (it is ${s.state.phase})`)
    if (this.d.conns.isReadOnly(a.conn)) throw new UserError('A read-only inspection cannot be restored into')
    this.d.conns.resolve(a.conn)
    s.cancelled = false
    this.update(s, { target: a.conn, mode: a.mode, phase: 'safety', error: null, check: null })
    s.running = this.execute(s, a).finally(() => (s.running = null))
    return s.state
  }

  private async execute(
    s: Session,
    a: { conn: string; mode: RestoreMode; pattern: string; dbs: number[] },
  ): Promise<void> {
    const run = this.begin({ source: s.state.source, conn: a.conn, mode: a.mode })
    let keys = 0
    try {
      const safety = await this.d.backups.start(a.conn, SAFETY_TARGET, { kind: 'safety' }).done
      this.update(s, { safetyBackup: safety.id })
      if (s.cancelled) throw new Error('cancelled')
      keys = await this.restoreInto(s, s.file, s.summary!, a.conn, { mode: a.mode, pattern: a.pattern, dbs: a.dbs })
      this.update(s, { phase: 'done', progress: null })
      this.finish(run, { status: 'done', keys, safetyBackup: safety.id })
    } catch (e) {
      const msg = (e as Error).message
      const cancelled = s.cancelled
      this.update(s, { phase: cancelled ? 'cancelled' : 'failed', error: cancelled ? 'cancelled' : msg })
      this.finish(run, {
        status: cancelled ? 'cancelled' : 'failed',
        error: msg,
        keys,
        safetyBackup: s.state.safetyBackup,
      })
    }
  }

  /** Restores a verified file into a connection; returns the keys restored. */
  private async restoreInto(
    s: Session,
    file: string,
    summary: RdbSummary,
    conn: string,
    plan: ReplayPlan,
  ): Promise<number> {
    this.update(s, { phase: 'restoring', progress: { done: 0, total: statSync(file).size, rate: 0 } })
    const whole = plan.mode === 'replace' && plan.dbs.length === 0 && (!plan.pattern || plan.pattern === '*')
    if (conn === EMBEDDED_ID && whole) return this.swapEngineFiles(s, file, summary)
    const client = await this.d.conns.dedicated(conn, 0)
    try {
      const t0 = performance.now()
      const r = await replay(client, this.d.workerScript, file, statSync(file).size, plan, {
        progress: (done, total) =>
          this.update(s, { progress: { done, total, rate: (done * 1000) / Math.max(1, performance.now() - t0) } }),
        cancelled: () => s.cancelled,
      })
      this.update(s, { phase: 'checking' })
      const exact = whole
      const result = await check(client, {
        expected: r.perDb,
        withTtl: r.withTtl,
        exact,
        samples: r.summary.samples ?? [],
        skip: r.keptKeys,
      })
      this.update(s, { check: result })
      if (!result.ok) throw new Error(`the restored data does not match the file: ${describe(result)}`)
      return r.restored
    } finally {
      client.disconnect()
    }
  }

  /** The embedded engine: stop, swap its files, start, check; the old files come back on failure. */
  private async swapEngineFiles(s: Session, file: string, summary: RdbSummary): Promise<number> {
    const files = await this.engineFiles()
    stage(files, file)
    // Staging copied the whole file: what remains is a few renames and the engine's load.
    const size = statSync(file).size
    this.update(s, { progress: { done: size, total: size, rate: 0 } })
    if (s.cancelled) {
      rollback(files.dir)
      throw new Error('cancelled')
    }
    this.d.releaseEngine()
    await this.d.engine.stop()
    let swapped = false
    try {
      await swap(files, this.d.swapStep)
      swapped = true
      await this.d.engine.start()
      this.update(s, { phase: 'checking', progress: null })
      const expected = Object.fromEntries(Object.entries(summary.dbs).map(([db, d]) => [db, d.keys]))
      const withTtl = Object.fromEntries(Object.entries(summary.dbs).map(([db, d]) => [db, d.expires]))
      const client = await this.d.conns.dedicated(EMBEDDED_ID, 0)
      try {
        const result = await check(client, { expected, withTtl, exact: true, samples: summary.samples ?? [] })
        this.update(s, { check: result })
        if (!result.ok) throw new Error(`the engine's data does not match the file: ${describe(result)}`)
      } finally {
        client.disconnect()
      }
      commit(files.dir)
      return summary.keys - summary.expired
    } catch (e) {
      // Put the previous files back and bring the engine up on them.
      this.d.releaseEngine()
      await this.d.engine.stop()
      rollback(files.dir)
      await this.d.engine.start().catch(() => {})
      throw new Error(
        `${swapped ? 'restored data rejected' : 'file swap failed'}: ${(e as Error).message}; the previous data is back`,
        { cause: e },
      )
    }
  }

  private async engineFiles(): Promise<EngineFiles> {
    const client: Redis = await this.d.conns.dedicated(EMBEDDED_ID, 0)
    try {
      const get = async (name: string) => ((await client.config('GET', name)) as string[])[1] ?? ''
      const dir = await get('dir')
      const dbfilename = (await get('dbfilename')) || 'dump.rdb'
      const appenddirname = (await get('appenddirname')) || 'appendonlydir'
      const appendfilename = (await get('appendfilename')) || 'appendonly.aof'
      const configFile = this.d.engine.configFile
      const inConfig = existsSync(configFile) && /^\s*appendonly\s+yes\b/im.test(readFileSync(configFile, 'utf8'))
      const aof = (await get('appendonly')) === 'yes' || inConfig || existsSync(join(dir, appenddirname))
      return { dir, dbfilename, appenddirname, appendfilename, aof }
    } finally {
      client.disconnect()
    }
  }

  cancel(id: string): boolean {
    const s = this.get(id)
    if (!s.running) return false
    s.cancelled = true
    return true
  }

  /** Restores the safety backup taken before the last run, replacing everything. */
  async rollback(id: string): Promise<RestoreState> {
    const s = this.get(id)
    if (s.running) throw new UserError('Wait for the restore to finish or cancel it first')
    const safety = s.state.safetyBackup
    const conn = s.state.target
    if (!safety || !conn) throw new UserError('There is no safety backup to roll back to')
    const entry = this.d.backups.catalog.backup(safety)
    if (!entry) throw new UserError('The safety backup is no longer in the catalog')
    this.update(s, { phase: 'rolling-back', error: null, check: null })
    const file = join(this.d.tmpDir, `${s.state.session}-safety.rdb`)
    const run = this.begin({ source: `safety backup ${safety}`, conn, mode: 'rollback' })
    try {
      const got = await this.d.backups.download(SAFETY_TARGET, entry.key, file)
      if (got.sha256 !== entry.sha256) throw new Error('the safety backup does not match its catalog sha256')
      const summary = await inspectFile(this.d.workerScript, file, { samples: 100 })
      s.cancelled = false
      const keys = await this.restoreInto(s, file, summary, conn, { mode: 'replace', pattern: '*', dbs: [] })
      this.finish(run, { status: 'rolled-back', keys, safetyBackup: null })
      return this.update(s, { phase: 'rolled-back', progress: null })
    } catch (e) {
      this.finish(run, {
        status: 'failed',
        error: (e as Error).message,
        keys: 0,
        safetyBackup: null,
      })
      return this.update(s, { phase: 'failed', error: `Roll-back failed: ${(e as Error).message}` })
    } finally {
      rmSync(file, { force: true })
    }
  }

  async close(id: string): Promise<boolean> {
    const s = this.sessions.get(id)
    if (!s) return false
    s.cancelled = true
    await s.running
    this.sessions.delete(id)
    if (s.offline) await this.d.offline.close(s.offline)
    if (s.temp) rmSync(s.temp, { force: true })
    return true
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)))
  }
}

/** The sha256 in the sidecar next to a backup file taken from a local target, if there is one. */
function sidecarSha(file: string): string | null {
  try {
    const side = JSON.parse(readFileSync(file.replace(/\.rdb$/, '') + '.json', 'utf8')) as Sidecar
    return side.format === 'strata-backup/1' ? side.sha256 : null
  } catch {
    return null
  }
}

function describe(c: {
  dbs: { db: number; expected: number; actual: number; ok: boolean }[]
  mismatches: string[]
}): string {
  const bad = c.dbs.filter((d) => !d.ok).map((d) => `db${d.db} has ${d.actual} keys, expected ${d.expected}`)
  return [...bad, ...c.mismatches].slice(0, 5).join('; ')
}
