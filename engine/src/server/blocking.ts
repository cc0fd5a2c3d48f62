// Blocking operations on keys (blocked.c): a client waits on one or more keys of its database until
// a key is signalled ready or its timeout passes. Generic over the command: BLPOP/BRPOP/BLMOVE/
// BRPOPLPUSH/BLMPOP use it, and so can BZPOPMIN/BZPOPMAX/BZMPOP.
//
// How to block a client from a command handler:
//
//   const timeout = parseTimeout(c, argv[n], srv)   // null: an error reply was written
//   ...try to serve right away; if nothing is there:
//   if (!canBlock(c)) { c.nullArray(); return }     // inside MULTI/EXEC or a script
//   blockingFor(srv).block(c, { keys, deadline: timeout, serve(c, key) { ... } })
//
// `serve` runs later, when one of the keys may be ready (it was created or changed): it looks the
// key up in c.db, and when it can serve it writes the reply, performs the change (with its own
// notifications, dirty++ and srv.propagate, since it runs outside call()) and returns true; the
// client is then unblocked. It returns false to keep waiting (key still missing or of another type).
//
// Readiness comes from the keyModified hook (every key write passes it), so pushes from any client,
// any database, MOVE/RENAME/RESTORE, all wake the right waiters; SWAPDB through dbReplaced. Ready keys are served, first
// blocked first served per key, before the next command runs (as Redis's handleClientsBlockedOnKeys
// after each command) and in beforeSleep; never in the middle of a command or of EXEC.

import type { Client } from './client.js'
import type { Server } from './server.js'
import type { Db } from '../keyspace/db.js'
import { parseLongDouble } from '../util/longdouble.js'

export interface BlockRequest {
  /** Keys of c.db to wait on, in argument order (duplicates are ignored). */
  keys: readonly string[]
  /** Absolute deadline in ms, 0 to wait forever. */
  deadline: number
  /** Serves c from `key` if possible; true when it replied (the client unblocks). */
  serve(c: Client, key: string): boolean
  /** The reply on timeout; a null array (Redis's reply for every blocked list/zset pop) when omitted. */
  timeoutReply?(c: Client): void
}

interface Blocked {
  req: BlockRequest
  dbId: number
  keys: string[]
  timer: NodeJS.Timeout | null
}

/** Longest delay setTimeout accepts; longer deadlines re-arm. */
const MAX_TIMER = 2 ** 31 - 1

/**
 * The timeout argument of a blocking command in seconds (getTimeoutFromObjectOrReply with
 * UNIT_SECONDS) as an absolute deadline in ms, 0 for none; null after replying an error.
 */
export function parseTimeout(c: Client, s: string, srv: Server): number | null {
  // string2ld: strtold's syntax (hex floats too); values beyond long double range are refused.
  const ld = parseLongDouble(s)
  if (ld === null) {
    c.error('ERR timeout is not a float or out of range')
    return null
  }
  const secs = ld.inf ? Infinity : (ld.neg ? -1 : 1) * Number(ld.m) * 2 ** ld.e
  // (long long)(ftval * 1000): truncation toward zero; out-of-range values become LLONG_MIN on
  // x86-64, hence "negative" for inf and huge values, as Redis 7.0 answers.
  const ms = secs * 1000
  if (!(Math.abs(ms) < 2 ** 63) || ms <= -1) {
    c.error('ERR timeout is negative')
    return null
  }
  const t = Math.trunc(ms)
  return t > 0 ? srv.now() + t : 0
}

/**
 * False while the client must not block: inside EXEC (the MULTI module sets `c.ext.denyBlocking`)
 * or a script. Blocking commands then behave as if their timeout had passed.
 */
export function canBlock(c: Client): boolean {
  return c.ext.denyBlocking !== true
}

export class BlockingManager {
  /** Waiting clients per "dbId\0key", in the order they blocked. */
  private readonly waiters = new Map<string, Client[]>()
  /** Keys signalled since the last serve pass, in signal order. */
  private readonly ready = new Map<string, { db: Db; key: string }>()
  private readonly state = new Map<Client, Blocked>()
  private serving = false

  constructor(private readonly srv: Server) {
    srv.hooks.keyModified.push((db, key) => this.signal(db, key))
    srv.hooks.interceptors.push(() => {
      if (this.ready.size > 0) this.handleReadyKeys()
      return false
    })
    srv.hooks.beforeSleep.push(() => this.handleReadyKeys())
    srv.hooks.clientClosed.push((c) => this.remove(c))
    // SWAPDB (scanDatabaseForReadyKeys): a waited-on key may now exist in the swapped-in table.
    srv.hooks.dbReplaced.push((db) => this.signalExisting(db))
  }

  /** Signals every waited-on key of db that currently exists. */
  private signalExisting(db: Db): void {
    for (const id of this.waiters.keys()) {
      const sep = id.indexOf('\0')
      if (Number(id.slice(0, sep)) !== db.id) continue
      const key = id.slice(sep + 1)
      if (db.find(key) >= 0) this.signal(db, key)
    }
  }

  /** Number of clients blocked on keys (INFO blocked_clients counts c.blocked instead). */
  get blockedClients(): number {
    return this.state.size
  }

  /** Number of distinct keys with waiters (INFO keyspace's blocking keys). */
  get blockingKeys(): number {
    return this.waiters.size
  }

  isBlocked(c: Client): boolean {
    return this.state.has(c)
  }

  /** blockForKeys: parks c until a key is served or the deadline passes. */
  block(c: Client, req: BlockRequest): void {
    const keys = [...new Set(req.keys)]
    const b: Blocked = { req, dbId: c.db.id, keys, timer: null }
    for (const k of keys) {
      const id = waitId(b.dbId, k)
      const q = this.waiters.get(id)
      if (q) q.push(c)
      else this.waiters.set(id, [c])
    }
    this.state.set(c, b)
    c.blocked = true
    if (req.deadline > 0) this.arm(c, b)
  }

  private arm(c: Client, b: Blocked): void {
    const delay = b.req.deadline - Date.now()
    b.timer = setTimeout(
      () => {
        if (Date.now() < b.req.deadline) {
          this.arm(c, b)
          return
        }
        this.srv.updateTime()
        this.unblock(c, (cl) => (b.req.timeoutReply ? b.req.timeoutReply(cl) : cl.nullArray()))
      },
      Math.max(0, Math.min(delay, MAX_TIMER)),
    )
  }

  /**
   * Unblocks c (timeout, CLIENT UNBLOCK), writing `reply` for it. Returns false when c was not
   * blocked on keys.
   */
  unblock(c: Client, reply: (c: Client) => void): boolean {
    if (!this.state.has(c)) return false
    reply(c)
    this.release(c)
    return true
  }

  /** signalKeyAsReady: called for every key write; cheap when nobody waits. */
  signal(db: Db, key: string): void {
    if (this.state.size === 0) return
    const id = waitId(db.id, key)
    if (this.waiters.has(id) && !this.ready.has(id)) this.ready.set(id, { db, key })
  }

  /**
   * handleClientsBlockedOnKeys: serves waiters of every key signalled ready, first blocked first
   * served. Serving may signal more keys (BLMOVE's destination); those are served in the same pass.
   */
  handleReadyKeys(): void {
    if (this.serving || this.ready.size === 0) return
    this.serving = true
    try {
      while (this.ready.size > 0) {
        const batch = [...this.ready]
        this.ready.clear()
        for (const [id, { key }] of batch) {
          const q = this.waiters.get(id)
          if (!q) continue
          for (const c of [...q]) {
            const b = this.state.get(c)
            if (b === undefined) continue
            this.srv.updateTime()
            if (b.req.serve(c, key)) this.release(c)
          }
        }
      }
    } finally {
      this.serving = false
    }
  }

  /** Ends c's wait, flushes its reply and resumes its queued commands on the next turn. */
  private release(c: Client): void {
    this.remove(c)
    c.blocked = false
    this.srv.queueReply(c)
    setImmediate(() => {
      if (!c.closed && !c.blocked) this.srv.processInput(c)
    })
  }

  /** Forgets c's wait (also when the client disconnects). */
  private remove(c: Client): void {
    const b = this.state.get(c)
    if (b === undefined) return
    this.state.delete(c)
    if (b.timer) clearTimeout(b.timer)
    for (const k of b.keys) {
      const id = waitId(b.dbId, k)
      const q = this.waiters.get(id)
      if (!q) continue
      const i = q.indexOf(c)
      if (i >= 0) q.splice(i, 1)
      if (q.length === 0) {
        this.waiters.delete(id)
        this.ready.delete(id)
      }
    }
  }
}

function waitId(dbId: number, key: string): string {
  return dbId + '\0' + key
}

const managers = new WeakMap<Server, BlockingManager>()

/** The server's blocking manager, created (and hooked in) on first use. */
export function blockingFor(srv: Server): BlockingManager {
  let m = managers.get(srv)
  if (m === undefined) {
    m = new BlockingManager(srv)
    managers.set(srv, m)
  }
  return m
}
