// Transactions (multi.c): per-client MULTI state with its queue of commands, the WATCH registry
// (db + key → clients) and its invalidation by writes, expiry, FLUSHDB/FLUSHALL and SWAPDB, and
// EXEC, which runs the queue atomically (call() propagates its writes wrapped in MULTI/EXEC).

import type { Client } from './client.js'
import type { Server } from './server.js'
import type { Command } from '../commands/table.js'
import type { Db } from '../keyspace/db.js'
import type { Dict } from '../keyspace/dict.js'
import { pubsubGuardOf } from './pubsub.js'

interface Queued {
  cmd: Command
  argv: string[]
}

interface WatchedKey {
  db: Db
  key: string
  /** The key existed but was already logically expired when WATCH ran (Redis 7.0 wk->expired). */
  expired: boolean
}

/** Commands that run at once inside MULTI instead of being queued (processCommand's list). */
const RUN_NOW = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset'])

/**
 * Client fields other modules read: `c.ext.multi` (in MULTI), `c.ext.queue` (queued commands, for
 * CLIENT LIST multi=), `c.ext.dirtyCas` (a watched key changed) and `c.ext.denyBlocking` (EXEC is
 * running the queue: blocking commands answer as if their timeout passed, see blocking.ts canBlock).
 */
export class Transactions {
  /** db → key → clients watching it. */
  private readonly watched = new Map<Db, Map<string, Set<Client>>>()
  /** Per client: its watched keys, and the error count already accounted for while queuing. */
  private readonly watching = new Map<Client, WatchedKey[]>()
  private readonly errorsSeen = new Map<Client, number>()

  constructor(private readonly srv: Server) {
    const hooks = srv.hooks
    // Queuing must come before any other interceptor (blocking commands queue, they do not block),
    // but after the RESP2 pub/sub context check, which Redis applies first.
    const guard = pubsubGuardOf(srv)
    hooks.interceptors.splice(guard !== undefined && hooks.interceptors[0] === guard ? 1 : 0, 0, (c, cmd, argv) =>
      this.intercept(c, cmd, argv),
    )
    hooks.keyModified.push((db, key) => this.touch(db, key))
    hooks.clientClosed.push((c) => {
      this.discard(c)
      this.unwatchAll(c)
    })
    hooks.dbReplaced.push((db, old) => this.touchAllInDb(db, old))
  }

  // ---- MULTI / queue ----

  begin(c: Client): void {
    c.ext.multi = true
    c.ext.queue = [] as Queued[]
    this.errorsSeen.set(c, c.errorCount)
  }

  /** An error reply of a command that runs at once inside MULTI (nested MULTI, WATCH) does not abort. */
  acceptError(c: Client): void {
    if (c.ext.multi) this.errorsSeen.set(c, c.errorCount)
  }

  private intercept(c: Client, cmd: Command, argv: string[]): boolean {
    if (!c.ext.multi) return false
    // Any error reply since the last queued command came from processCommand rejecting a command
    // (unknown, arity, auth…): Redis's flagTransaction makes the EXEC fail then.
    this.noteRejections(c)
    if (RUN_NOW.has(cmd.name)) return false
    if (cmd.noMulti) {
      this.srv.reject(c, cmd, 'ERR Command not allowed inside a transaction')
      c.ext.execAbort = true
      this.errorsSeen.set(c, c.errorCount)
      return true
    }
    const srv = this.srv
    // Queuing costs memory whatever the command: under OOM Redis refuses every queued command.
    if (srv.maxmemory > 0 && srv.hooks.performEvictions) {
      if (!srv.hooks.performEvictions()) {
        srv.reject(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.")
        c.ext.execAbort = true
        this.errorsSeen.set(c, c.errorCount)
        return true
      }
    }
    ;(c.ext.queue as Queued[]).push({ cmd, argv })
    c.status('QUEUED')
    return true
  }

  private noteRejections(c: Client): void {
    if (c.errorCount !== this.errorsSeen.get(c)) {
      c.ext.execAbort = true
      this.errorsSeen.set(c, c.errorCount)
    }
  }

  /** discardTransaction: leaves MULTI and forgets the queue (WATCHes are dropped by the caller). */
  discard(c: Client): void {
    delete c.ext.multi
    delete c.ext.queue
    delete c.ext.execAbort
    delete c.ext.dirtyCas
    this.errorsSeen.delete(c)
  }

  // ---- EXEC ----

  exec(c: Client): void {
    this.noteRejections(c)
    if (this.anyWatchedKeyExpired(c)) c.ext.dirtyCas = true
    if (c.ext.execAbort || c.ext.dirtyCas) {
      if (c.ext.execAbort) c.error('EXECABORT Transaction discarded because of previous errors.')
      else c.nullArray()
      this.discard(c)
      this.unwatchAll(c)
      return
    }
    this.unwatchAll(c)
    const srv = this.srv
    const queue = c.ext.queue as Queued[]
    // The queue's writes reach the AOF and replicas as one MULTI … EXEC block when there is more
    // than one: the outermost call() (this EXEC's) collects and wraps them (Server.propagatePending).
    c.ext.denyBlocking = true
    c.arrayLen(queue.length)
    const errorsBefore = c.errorCount
    try {
      for (const q of queue) srv.call(c, q.cmd, q.argv)
    } finally {
      // Each queued command's call() counted its own errors (failed_calls, errorstats); the call()
      // around EXEC must not count them again, as in Redis EXEC itself does not fail for them.
      c.errorCount = errorsBefore
      delete c.ext.denyBlocking
      this.discard(c)
    }
  }

  // ---- WATCH ----

  watch(c: Client, keys: readonly string[]): void {
    let list = this.watching.get(c)
    for (const key of keys) {
      if (list?.some((w) => w.db === c.db && w.key === key)) continue
      if (list === undefined) {
        list = []
        this.watching.set(c, list)
      }
      list.push({ db: c.db, key, expired: keyIsExpired(c.db, key) })
      let byKey = this.watched.get(c.db)
      if (byKey === undefined) {
        byKey = new Map()
        this.watched.set(c.db, byKey)
      }
      let clients = byKey.get(key)
      if (clients === undefined) {
        clients = new Set()
        byKey.set(key, clients)
      }
      clients.add(c)
    }
  }

  unwatchAll(c: Client): void {
    const list = this.watching.get(c)
    if (list === undefined) return
    this.watching.delete(c)
    for (const w of list) {
      const byKey = this.watched.get(w.db)
      const clients = byKey?.get(w.key)
      if (byKey === undefined || clients === undefined) continue
      clients.delete(c)
      if (clients.size === 0) byKey.delete(w.key)
      if (byKey.size === 0) this.watched.delete(w.db)
    }
  }

  private watchedKey(c: Client, db: Db, key: string): WatchedKey | undefined {
    return this.watching.get(c)?.find((w) => w.db === db && w.key === key)
  }

  /** touchWatchedKey: a write to key makes every transaction watching it fail. */
  private touch(db: Db, key: string): void {
    const clients = this.watched.get(db)?.get(key)
    if (clients === undefined) return
    for (const c of [...clients]) {
      const w = this.watchedKey(c, db, key) as WatchedKey
      if (w.expired) {
        // The key was already expired at WATCH time: its deletion is no logical change.
        if (db.dict.slotOf(key) < 0) {
          w.expired = false
          continue
        }
      }
      this.markDirty(c)
    }
  }

  /**
   * touchAllWatchedKeysInDb, after FLUSHDB/FLUSHALL/SWAPDB replaced db's table: `old` is what it
   * held, db.dict what it holds now. A watched key present in either changed, unless it was expired
   * before and is gone or still expired now.
   */
  private touchAllInDb(db: Db, old: Dict): void {
    const byKey = this.watched.get(db)
    if (byKey === undefined) return
    for (const [key, clients] of [...byKey]) {
      const inOld = old.slotOf(key) >= 0
      const nowSlot = db.dict.slotOf(key)
      if (!inOld && nowSlot < 0) continue
      const nowExpired = nowSlot >= 0 && db.isExpired(nowSlot)
      for (const c of [...clients]) {
        const w = this.watchedKey(c, db, key) as WatchedKey
        if (w.expired) {
          if (nowSlot < 0) {
            w.expired = false
            continue
          }
          if (nowExpired) continue
        } else if (!inOld && nowExpired) {
          // A missing key replaced by one that is already expired: still no logical change.
          w.expired = true
          continue
        }
        this.markDirty(c)
      }
    }
  }

  private markDirty(c: Client): void {
    c.ext.dirtyCas = true
    // Nothing can make the transaction succeed again: stop watching to save work.
    this.unwatchAll(c)
  }

  /** isWatchedKeyExpired: a watched key that was live at WATCH time has since passed its TTL. */
  private anyWatchedKeyExpired(c: Client): boolean {
    const list = this.watching.get(c)
    if (list === undefined) return false
    return list.some((w) => !w.expired && keyIsExpired(w.db, w.key))
  }
}

/** keyIsExpired: present in the table with a TTL in the past (without deleting it). */
function keyIsExpired(db: Db, key: string): boolean {
  const slot = db.dict.slotOf(key)
  return slot >= 0 && db.isExpired(slot)
}

const instances = new WeakMap<Server, Transactions>()

/** The server's transaction state, created (and hooked in) by the first MULTI or WATCH. */
export function transactionsOf(srv: Server): Transactions {
  let t = instances.get(srv)
  if (t === undefined) {
    t = new Transactions(srv)
    instances.set(srv, t)
  }
  return t
}
