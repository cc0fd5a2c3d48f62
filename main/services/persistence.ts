// The persistence panel's server side: SAVE, BGSAVE and BGREWRITEAOF with their outcome (duration,
// file size when the server is local, errors in words a user can act on), the persistence config
// (CONFIG GET / SET, then CONFIG REWRITE), each action written to the audit log and config changes
// to the metrics timeline. Background jobs end when the collector sees them end in INFO.

import { readdirSync, statSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import type { Redis } from 'ioredis'
import type {
  Events,
  JobOutcome,
  LiveStatus,
  MetricsResults,
  ParsedArgs,
  PersistenceParam,
  TimelineEvent,
} from '../api/contract.js'
import { PERSISTENCE_PARAMS } from '../api/contract.js'
import { UserError } from '../api/dispatcher.js'
import type { AuditLog } from './audit.js'
import type { Collector } from './metrics/collector.js'

type Emit = <E extends keyof Events>(event: E, payload: Events[E]) => void
type Action = JobOutcome['action']

export interface PersistenceDeps {
  client: (conn: string) => Promise<Redis>
  collector: Collector
  audit: AuditLog
  emit: Emit
  /** Whether the server's files are on this machine (loopback host), so sizes can be read. */
  isLocal: (conn: string) => boolean
  clock?: () => number
}

/** Error texts a user can act on, keyed by what servers and file systems say. */
export function explainError(message: string, dir: string | null): string {
  const where = dir ? ` (${dir})` : ''
  if (/^MISCONF/.test(message))
    return (
      'Writes are refused because the last background save failed (MISCONF). Fix its cause — usually a full ' +
      `disk or a folder the server cannot write${where} — then run BGSAVE again, or set ` +
      'stop-writes-on-bgsave-error no to accept writes without snapshots.'
    )
  if (/ENOSPC|No space left/i.test(message))
    return `The disk holding the data folder${where} is full: free space or point dir elsewhere, then save again.`
  if (/EACCES|EPERM|Permission denied/i.test(message))
    return `The server may not write into its data folder${where}: check the folder's owner and permissions.`
  if (/EROFS|Read-only file system/i.test(message))
    return `The data folder${where} is on a read-only file system: point dir at a writable folder.`
  if (/already in progress/i.test(message)) return `${message}: wait for it to finish (progress is shown above).`
  if (/Another child process is active|child process/i.test(message))
    return `${message}: another background job (BGSAVE or AOF rewrite) is running; try again when it ends.`
  return message
}

interface Pending {
  action: Exclude<Action, 'save'>
  started: number
  dir: string | null
  file: string | null
}

export class PersistenceService {
  private readonly pending = new Map<string, Pending>()
  private readonly clock: () => number

  constructor(private readonly d: PersistenceDeps) {
    this.clock = d.clock ?? Date.now
    d.collector.onEvent((e) => this.onEvent(e))
  }

  async run(conn: string, action: Action): Promise<JobOutcome> {
    const c = await this.d.client(conn)
    this.d.collector.watch(conn)
    const status = this.d.collector.status(conn)
    const busy = busyReason(status, action)
    if (busy) throw new UserError(busy)
    const { dir, file } = await this.files(c, action)
    const t0 = this.clock()
    try {
      const reply = String(await c.call(action.toUpperCase()))
      if (action === 'save') {
        const durationMs = this.clock() - t0
        const out: JobOutcome = { action, ok: true, message: reply, durationMs, sizeBytes: this.size(conn, file), file }
        this.d.audit.record({ conn, action, target: file ?? '', detail: reply, outcome: 'ok', durationMs })
        return out
      }
      this.pending.set(conn, { action, started: t0, dir, file })
      this.d.audit.record({ conn, action: `${action}-start`, target: file ?? '', detail: reply, outcome: 'ok' })
      return { action, ok: true, message: reply, durationMs: null, sizeBytes: null, file }
    } catch (e) {
      const message = explainError((e as Error).message, dir)
      this.d.audit.record({
        conn,
        action,
        target: file ?? '',
        detail: (e as Error).message,
        outcome: 'error',
        error: message,
        durationMs: this.clock() - t0,
      })
      return { action, ok: false, message, durationMs: this.clock() - t0, sizeBytes: null, file }
    }
  }

  async config(conn: string): Promise<MetricsResults['persistence.config']> {
    const c = await this.d.client(conn)
    const out = {} as Record<PersistenceParam, string | null>
    for (const p of PERSISTENCE_PARAMS) {
      try {
        const [, v] = (await c.config('GET', p)) as string[]
        out[p] = v ?? null
      } catch {
        out[p] = null
      }
    }
    return out
  }

  async setConfig(a: ParsedArgs<'persistence.setConfig'>): Promise<MetricsResults['persistence.setConfig']> {
    const c = await this.d.client(a.conn)
    const before = await this.config(a.conn)
    const applied: MetricsResults['persistence.setConfig']['applied'] = []
    for (const ch of a.changes) {
      try {
        await c.config('SET', ch.param, ch.value)
      } catch (e) {
        const msg = (e as Error).message
        this.d.audit.record({
          conn: a.conn,
          action: 'config-set',
          target: ch.param,
          detail: `${before[ch.param] ?? ''} → ${ch.value}`,
          outcome: 'error',
          error: msg,
        })
        const done = applied.length ? ` (already applied: ${applied.map((x) => x.param).join(', ')})` : ''
        throw new UserError(`CONFIG SET ${ch.param} ${JSON.stringify(ch.value)} failed: ${msg}${done}`)
      }
      const [, now] = (await c.config('GET', ch.param)) as string[]
      applied.push({ param: ch.param, from: before[ch.param], to: now ?? ch.value })
      this.d.audit.record({
        conn: a.conn,
        action: 'config-set',
        target: ch.param,
        detail: `${before[ch.param] ?? ''} → ${now ?? ch.value}`,
        outcome: 'ok',
      })
      this.d.collector.record(a.conn, {
        ts: this.clock(),
        kind: 'config',
        detail: { param: ch.param, from: String(before[ch.param] ?? ''), to: String(now ?? ch.value) },
      })
    }
    if (!a.rewrite) return { applied, rewritten: false }
    try {
      await c.config('REWRITE')
      this.d.audit.record({ conn: a.conn, action: 'config-rewrite', target: '', detail: '', outcome: 'ok' })
      return { applied, rewritten: true }
    } catch (e) {
      const msg = (e as Error).message
      this.d.audit.record({
        conn: a.conn,
        action: 'config-rewrite',
        target: '',
        detail: '',
        outcome: 'error',
        error: msg,
      })
      return { applied, rewritten: false, rewriteError: msg }
    }
  }

  /** A BGSAVE or rewrite started here ended (seen in INFO): its outcome goes to the panel and the audit. */
  private onEvent(e: TimelineEvent): void {
    const p = this.pending.get(e.conn)
    if (!p) return
    const rdbEnd = p.action === 'bgsave' && (e.kind === 'bgsave-end' || e.kind === 'save')
    const aofEnd = p.action === 'bgrewriteaof' && e.kind === 'rewrite-end'
    if (!rdbEnd && !aofEnd) return
    this.pending.delete(e.conn)
    const ok = e.detail.status === 'ok'
    const durationMs = e.ts - p.started
    const sizeBytes = this.size(e.conn, p.file)
    const what = p.action === 'bgsave' ? 'Background save' : 'AOF rewrite'
    const message = ok
      ? `${what} finished`
      : explainError(
          `${what} failed (${p.action === 'bgsave' ? 'rdb_last_bgsave_status' : 'aof_last_bgrewrite_status'}:${String(e.detail.status)}): ` +
            'the server log names the cause, most often a full disk or a data folder it cannot write',
          p.dir,
        )
    const outcome: JobOutcome = { action: p.action, ok, message, durationMs, sizeBytes, file: p.file }
    this.d.audit.record({
      conn: e.conn,
      action: p.action,
      target: p.file ?? '',
      detail: message,
      outcome: ok ? 'ok' : 'error',
      error: ok ? null : message,
      durationMs,
    })
    this.d.emit('persistence.outcome', { conn: e.conn, ...outcome })
  }

  private async files(c: Redis, action: Action): Promise<{ dir: string | null; file: string | null }> {
    try {
      const [, dir] = (await c.config('GET', 'dir')) as string[]
      const name = action === 'bgrewriteaof' ? 'appenddirname' : 'dbfilename'
      const [, base] = (await c.config('GET', name)) as string[]
      if (!dir) return { dir: null, file: null }
      return { dir, file: base ? (isAbsolute(base) ? base : join(dir, base)) : null }
    } catch {
      return { dir: null, file: null }
    }
  }

  /** A file's size, or the sum of a folder's files (Redis 7's appendonlydir); null when not readable here. */
  private size(conn: string, file: string | null): number | null {
    if (!file || !this.d.isLocal(conn)) return null
    try {
      const st = statSync(file)
      if (st.isFile()) return st.size
      if (!st.isDirectory()) return null
      return readdirSync(file).reduce((sum, f) => {
        const s = statSync(join(file, f))
        return sum + (s.isFile() ? s.size : 0)
      }, 0)
    } catch {
      return null
    }
  }
}

/** Why a job can't start now (another one runs), from the last INFO poll. */
export function busyReason(s: LiveStatus | null, action: Action): string | null {
  if (!s) return null
  if (s.rdb.inProgress)
    return action === 'bgrewriteaof'
      ? 'A BGSAVE is running; the AOF rewrite can start when it ends'
      : 'A BGSAVE is already running'
  if (s.aof.rewriteInProgress)
    return action === 'bgrewriteaof'
      ? 'An AOF rewrite is already running'
      : 'An AOF rewrite is running; saving can start when it ends'
  return null
}
