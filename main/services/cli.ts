// The CLI console tab: splits a typed line the way redis-cli does (sdssplitargs quoting), asks for
// confirmation before dangerous commands, runs it on a per-connection session client (so SELECT
// sticks to the session and never disturbs the browser's clients) and renders the reply as a tree
// the renderer prints redis-cli style.

import type { Redis } from 'ioredis'
import type { CliReply, CliResult } from '../api/contract.js'
import { UserError } from '../api/dispatcher.js'
import type { Connections } from './connections.js'
import { redactCommand, type AuditLog } from './audit.js'

/** Splits a command line into arguments: "double quotes" with \n \t \xHH escapes, 'single quotes'. */
export function splitArgs(line: string): string[] {
  const out: string[] = []
  let i = 0
  const n = line.length
  for (;;) {
    while (i < n && /\s/.test(line[i])) i++
    if (i >= n) return out
    let cur = ''
    let inDq = false
    let inSq = false
    for (;;) {
      if (i >= n) {
        if (inDq || inSq) throw new UserError('Invalid argument(s): unbalanced quotes')
        break
      }
      const ch = line[i]
      if (inDq) {
        if (ch === '\\' && line[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16))
          i += 3
        } else if (ch === '\\' && i + 1 < n) {
          const e = line[++i]
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e
        } else if (ch === '"') {
          if (i + 1 < n && !/\s/.test(line[i + 1]))
            throw new UserError('Invalid argument(s): closing quote must be followed by a space')
          i++
          break
        } else cur += ch
      } else if (inSq) {
        if (ch === '\\' && line[i + 1] === "'") {
          cur += "'"
          i++
        } else if (ch === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1]))
            throw new UserError('Invalid argument(s): closing quote must be followed by a space')
          i++
          break
        } else cur += ch
      } else if (/\s/.test(ch)) break
      else if (ch === '"') inDq = true
      else if (ch === "'") inSq = true
      else cur += ch
      i++
    }
    out.push(cur)
  }
}

const DANGEROUS: Record<string, string> = {
  flushall: 'FLUSHALL deletes every key in every database',
  flushdb: 'FLUSHDB deletes every key in this database',
  shutdown: 'SHUTDOWN stops the server',
  keys: 'KEYS walks the whole keyspace in one call and blocks the server on large databases (the browser uses SCAN)',
  debug: 'DEBUG can crash or stall the server',
  swapdb: 'SWAPDB exchanges two whole databases',
  replicaof: 'REPLICAOF makes this server a replica and drops its data',
  slaveof: 'SLAVEOF makes this server a replica and drops its data',
  migrate: 'MIGRATE moves keys to another server',
}
const DANGEROUS_SUB: Record<string, Record<string, string>> = {
  config: {
    set: 'CONFIG SET changes the running configuration',
    resetstat: 'CONFIG RESETSTAT clears statistics',
    rewrite: 'CONFIG REWRITE rewrites the config file',
  },
  script: { flush: 'SCRIPT FLUSH removes every cached script' },
  function: { flush: 'FUNCTION FLUSH deletes every function library' },
  client: { kill: 'CLIENT KILL disconnects clients', pause: 'CLIENT PAUSE stops serving clients' },
  acl: { deluser: 'ACL DELUSER removes users', setuser: 'ACL SETUSER changes permissions' },
}
/** Persistence commands: not dangerous, but admin actions the audit log keeps. */
const ADMIN = new Set(['save', 'bgsave', 'bgrewriteaof'])
/** Commands that would take over the session connection; they need their own view. */
const UNSUPPORTED = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'monitor', 'sync', 'psync'])

export function dangerReason(args: string[]): string | undefined {
  const name = args[0].toLowerCase()
  return DANGEROUS[name] ?? DANGEROUS_SUB[name]?.[args[1]?.toLowerCase() ?? '']
}

export function toCliReply(v: unknown): CliReply {
  if (v === null || v === undefined) return { t: 'nil' }
  if (typeof v === 'number') return { t: 'int', v }
  if (v instanceof Error) return { t: 'err', v: v.message }
  if (Buffer.isBuffer(v)) return { t: 'str', v: v.toString('latin1') }
  if (Array.isArray(v)) return { t: 'arr', v: v.map(toCliReply) }
  if (typeof v === 'object')
    return { t: 'arr', v: Object.entries(v).flatMap(([k, x]) => [{ t: 'str', v: k } as CliReply, toCliReply(x)]) }
  return { t: 'str', v: String(v) }
}

interface Session {
  client: Redis
  db: number
}

export class CliService {
  private readonly sessions = new Map<string, Promise<Session>>()

  constructor(
    private readonly conns: Connections,
    private readonly audit?: AuditLog,
  ) {}

  async exec(a: { conn: string; db: number; line: string; confirmed: boolean }): Promise<CliResult> {
    const args = splitArgs(a.line)
    if (args.length === 0) throw new UserError('Empty command')
    const name = args[0].toLowerCase()
    if (UNSUPPORTED.has(name))
      throw new UserError(`${args[0].toUpperCase()} takes over the connection and is not available in the CLI tab`)
    const reason = dangerReason(args)
    if (reason && !a.confirmed) return { confirm: reason, db: a.db, ms: 0 }
    const s = await this.session(a.conn, a.db)
    if (s.db !== a.db) {
      await s.client.select(a.db)
      s.db = a.db
    }
    const t0 = performance.now()
    let reply: CliReply
    try {
      reply = toCliReply(await s.client.call(args[0], ...args.slice(1)))
      if (name === 'select' && reply.t === 'str') s.db = Number(args[1])
    } catch (e) {
      reply = { t: 'err', v: (e as Error).message }
    }
    const ms = performance.now() - t0
    // Confirmed dangerous commands (flushes, CONFIG SET, …) and persistence commands are admin actions.
    if (reason || ADMIN.has(name))
      this.audit?.record({
        conn: a.conn,
        action: `cli:${name}`,
        target: `db${s.db}`,
        detail: redactCommand(args),
        outcome: reply.t === 'err' ? 'error' : 'ok',
        error: reply.t === 'err' ? reply.v : null,
        durationMs: Math.round(ms),
      })
    return { reply, db: s.db, ms }
  }

  close(conn: string): void {
    const s = this.sessions.get(conn)
    this.sessions.delete(conn)
    s?.then(
      (x) => x.client.disconnect(),
      () => {},
    )
  }

  closeAll(): void {
    for (const c of [...this.sessions.keys()]) this.close(c)
  }

  private session(conn: string, db: number): Promise<Session> {
    let s = this.sessions.get(conn)
    if (!s) {
      s = this.conns.dedicated(conn, db).then((client) => {
        client.on('end', () => this.sessions.get(conn) === s && this.sessions.delete(conn))
        return { client, db }
      })
      this.sessions.set(conn, s)
      s.catch(() => this.sessions.delete(conn))
    }
    return s
  }
}
