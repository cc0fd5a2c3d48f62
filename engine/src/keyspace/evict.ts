// Eviction (evict.c, Redis 7.0): before a command flagged denyoom, keys are evicted until the
// accounted used_memory is back under `maxmemory`, by one of the eight maxmemory policies. LRU, LFU
// and TTL policies feed Redis's 16-entry eviction pool from `maxmemory-samples` random keys per db
// and evict its best candidate; random policies pick a random key round-robin across dbs. Eviction
// stops after its `maxmemory-eviction-tenacity` time budget and resumes on later loop turns.
// Also here: the LRU clock arithmetic and the LFU logarithmic counter (object.c, db.c).

import { performance } from 'node:perf_hooks'
import type { Server } from '../server/server.js'
import type { Db } from './db.js'
import type { Dict } from './dict.js'
import { memoryBreakdown, type MemoryBreakdown } from './accounting.js'

/** EVPOOL_SIZE. */
const EVPOOL_SIZE = 16
/** LFU_INIT_VAL: the counter a new key starts with, so it is not evicted before it can be used. */
export const LFU_INIT_VAL = 5
const LRU_CLOCK_MAX = 0xffffff
/** The eviction time budget is checked every this many evicted keys. */
const CHECK_EVERY = 16

export const EVICT_OK = 0
/** Still over the limit, but the time budget ran out: eviction continues on later loop turns. */
export const EVICT_RUNNING = 1
/** Over the limit and nothing (more) can be evicted: denyoom commands get -OOM. */
export const EVICT_FAIL = 2
export type EvictResult = typeof EVICT_OK | typeof EVICT_RUNNING | typeof EVICT_FAIL

/** estimateObjectIdleTime in seconds: the 24-bit LRU clock, allowing for one wrap. */
export function idleSeconds(clock: number, lru: number): number {
  return clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)
}

/** LFUGetTimeInMinutes: 16 bits of unix minutes. */
function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 0xffff
}

/**
 * LFUDecrAndReturn: under an LFU policy the LRU field holds (minutes & 0xffff) << 8 | counter; the
 * counter loses one per `lfu-decay-time` minutes elapsed, without being stored back.
 */
export function lfuDecrAndReturn(field: number, decayTime: number, nowMs: number): number {
  const ldt = field >>> 8
  const counter = field & 255
  const now = lfuMinutes(nowMs)
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now
  const periods = decayTime ? Math.floor(elapsed / decayTime) : 0
  return periods > counter ? 0 : counter - periods
}

/** LFULogIncr: one more hit, counted with probability 1 / ((counter − 5) × factor + 1). */
export function lfuLogIncr(counter: number, factor: number, rand: number): number {
  if (counter === 255) return 255
  const base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0
  return rand < 1 / (base * factor + 1) ? counter + 1 : counter
}

/** maxmemory-eviction-tenacity → microseconds per eviction run (evictionTimeLimitUs); Infinity at 100. */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity
  if (tenacity < 100) return Math.floor(500 * 1.15 ** (tenacity - 10))
  return Infinity
}

interface PoolEntry {
  key: string | null
  /** Higher is a better candidate: idle ms (LRU), 255 − frequency (LFU), or earliness of expiry (TTL). */
  idle: number
  db: number
}

export class Evictor {
  private readonly pool: PoolEntry[] = Array.from({ length: EVPOOL_SIZE }, () => ({ key: null, idle: 0, db: 0 }))
  /** Round-robin db cursor of the random policies. */
  private nextDb = 0
  /** The last run stopped on its time budget while still over the limit. */
  private running = false
  /** performance.now() when used memory went over maxmemory and stayed there, 0 when under. */
  private exceededSince = 0
  /** total_eviction_exceeded_time, ms, of the periods already over. */
  private exceededTotalMs = 0
  /** Clients' buffers, measured by cron (a per-command walk over every client would cost too much). */
  clientsMemory = 0
  private samples = 5
  private tenacityUs = 500
  private decayTime = 1
  private logFactor = 10

  constructor(private readonly srv: Server) {
    const cfg = srv.config
    const read = (): void => {
      this.samples = cfg.getInt('maxmemory-samples')
      this.tenacityUs = evictionTimeLimitUs(cfg.getInt('maxmemory-eviction-tenacity'))
      this.decayTime = cfg.getInt('lfu-decay-time')
      this.logFactor = cfg.getInt('lfu-log-factor')
      srv.lfu = srv.policy.endsWith('-lfu') ? (d, slot) => this.lfuTouch(d, slot) : null
    }
    read()
    cfg.onChange((name) => {
      read()
      if (name === 'maxmemory' && srv.maxmemory > 0) this.maxmemoryLowered()
      if (name === 'maxmemory-policy') this.clearPool()
    })
    srv.hooks.performEvictions = () => this.perform() !== EVICT_FAIL
    srv.hooks.beforeSleep.push(() => this.continueRunning())
    srv.hooks.cron.push(() => this.cron())
  }

  /** updateLFU for a key being accessed (slot ≥ 0) or created (slot −1): decay, log-increment, restamp. */
  private lfuTouch(d: Dict, slot: number): number {
    const now = this.srv.now()
    if (slot < 0) return (lfuMinutes(now) << 8) | LFU_INIT_VAL
    const counter = lfuLogIncr(lfuDecrAndReturn(d.lru[slot], this.decayTime, now), this.logFactor, Math.random())
    return (lfuMinutes(now) << 8) | counter
  }

  /** used_memory and its parts (measures the writes of this loop turn first). */
  memory(): MemoryBreakdown {
    return memoryBreakdown(this.srv, this.clientsMemory)
  }

  /** INFO stats current_eviction_exceeded_time and total_eviction_exceeded_time, ms. */
  private syncStats(): void {
    const current = this.exceededSince === 0 ? 0 : performance.now() - this.exceededSince
    this.srv.stats.currentEvictionExceededTime = Math.round(current)
    this.srv.stats.totalEvictionExceededTime = Math.round(this.exceededTotalMs + current)
  }

  private cron(): void {
    let clients = 0
    for (const c of this.srv.clients.values()) clients += clientBytes(c.out.length, c.parser.pendingBytes)
    this.clientsMemory = clients
    const used = this.memory().total
    if (used > this.srv.peakMemory) this.srv.peakMemory = used
    this.continueRunning()
    this.syncStats()
  }

  private continueRunning(): void {
    if (!this.running) return
    if (this.perform() === EVICT_RUNNING) this.srv.wakeUp()
  }

  /** updateMaxmemory: warn when the new limit is below what is used, then evict down to it. */
  private maxmemoryLowered(): void {
    const used = this.memory().total
    if (used > this.srv.maxmemory) {
      this.srv.log.warning(
        `WARNING: the new maxmemory value set via CONFIG SET (${this.srv.maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
      )
    }
    this.running = true
    this.srv.wakeUp()
  }

  private clearPool(): void {
    for (const e of this.pool) e.key = null
  }

  /** performEvictions: frees memory down to maxmemory, within the time budget. */
  perform(): EvictResult {
    const result = this.evict()
    this.running = result === EVICT_RUNNING
    if (result === EVICT_OK) {
      if (this.exceededSince !== 0) {
        this.exceededTotalMs += performance.now() - this.exceededSince
        this.exceededSince = 0
      }
    } else if (this.exceededSince === 0) {
      this.exceededSince = performance.now()
    }
    this.syncStats()
    return result
  }

  private evict(): EvictResult {
    const srv = this.srv
    const max = srv.maxmemory
    // Nothing is evicted while loading or while clients are paused (isPausedActionsWithUpdate).
    if (max === 0 || srv.expiryPaused()) return EVICT_OK
    if (this.memory().total <= max) return EVICT_OK
    if (srv.policy === 'noeviction') return EVICT_FAIL
    const start = performance.now()
    const limitMs = this.tenacityUs / 1000
    let keysFreed = 0
    for (;;) {
      const victim = srv.policy.endsWith('random') ? this.pickRandom() : this.pickFromPool()
      if (victim === null) return EVICT_FAIL
      this.evictKey(victim.db, victim.slot)
      keysFreed++
      // Every key's size is known exactly, so memory is re-read after each eviction; the clock only
      // every 16 keys, as Redis does.
      if (this.memory().total <= max) return EVICT_OK
      if (keysFreed % CHECK_EVERY === 0 && performance.now() - start > limitMs) return EVICT_RUNNING
    }
  }

  /** deleteEvictedKeyAndPropagate: delete through the Db choke point, count, notify, propagate. */
  private evictKey(db: Db, slot: number): void {
    const srv = this.srv
    const key = db.dict.keys[slot] as string
    db.removeAt(slot)
    srv.stats.evictedKeys++
    srv.notify('e', 'evicted', key, db.id)
    srv.propagate(db.id, [srv.config.getBool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key])
  }

  private pickRandom(): { db: Db; slot: number } | null {
    const dbs = this.srv.keyspace.dbs
    const allkeys = this.srv.policy === 'allkeys-random'
    for (let i = 0; i < dbs.length; i++) {
      this.nextDb = (this.nextDb + 1) % dbs.length
      const db = dbs[this.nextDb]
      const slot = allkeys ? db.dict.randomSlot() : db.dict.randomVolatileSlot()
      if (slot >= 0) return { db, slot }
    }
    return null
  }

  /** Refills the pool from every db until its best entry still names a live, eligible key. */
  private pickFromPool(): { db: Db; slot: number } | null {
    const dbs = this.srv.keyspace.dbs
    const allkeys = this.srv.policy.startsWith('allkeys')
    for (;;) {
      let total = 0
      for (const db of dbs) {
        const size = allkeys ? db.size : db.dict.volatileCount
        if (size === 0) continue
        this.populate(db, allkeys)
        total += size
      }
      if (total === 0) return null
      for (let k = EVPOOL_SIZE - 1; k >= 0; k--) {
        const e = this.pool[k]
        if (e.key === null) continue
        const db = dbs[e.db]
        const slot = db.dict.slotOf(e.key)
        e.key = null
        if (slot >= 0 && (allkeys || db.dict.expires[slot] !== 0)) return { db, slot }
      }
    }
  }

  /** evictionPoolPopulate: scores `maxmemory-samples` random keys of db and files them in the pool. */
  private populate(db: Db, allkeys: boolean): void {
    const d = db.dict
    const policy = this.srv.policy
    const clock = this.srv.lruClock
    const now = this.srv.now()
    for (let n = 0; n < this.samples; n++) {
      const slot = allkeys ? d.randomSlot() : d.randomVolatileSlot()
      if (slot < 0) return
      let idle: number
      if (policy.endsWith('-lru')) idle = idleSeconds(clock, d.lru[slot]) * 1000
      else if (policy.endsWith('-lfu')) idle = 255 - lfuDecrAndReturn(d.lru[slot], this.decayTime, now)
      else idle = Number.MAX_SAFE_INTEGER - d.expires[slot]
      this.insert(d.keys[slot] as string, idle, db.id)
    }
  }

  /** The pool stays sorted by idle ascending; a full pool drops its worst entry for a better key. */
  private insert(key: string, idle: number, dbId: number): void {
    const pool = this.pool
    let k = 0
    while (k < EVPOOL_SIZE && pool[k].key !== null && pool[k].idle < idle) k++
    if (k === 0 && pool[EVPOOL_SIZE - 1].key !== null) return
    if (k < EVPOOL_SIZE && pool[k].key === null) {
      // An empty entry: take it.
    } else if (pool[EVPOOL_SIZE - 1].key === null) {
      // Free room on the right: shift k..end one to the right (recycling the empty last entry).
      const spare = pool[EVPOOL_SIZE - 1]
      for (let i = EVPOOL_SIZE - 1; i > k; i--) pool[i] = pool[i - 1]
      pool[k] = spare
    } else {
      // Full: drop the leftmost (worst) entry and shift 1..k-1 left.
      k--
      const spare = pool[0]
      for (let i = 0; i < k; i++) pool[i] = pool[i + 1]
      pool[k] = spare
    }
    const e = pool[k]
    e.key = key
    e.idle = idle
    e.db = dbId
  }
}

/** A client's share of used_memory: its buffers plus the Client, socket and parser objects. */
function clientBytes(out: number, pendingIn: number): number {
  return CLIENT_BASE_BYTES + out + pendingIn
}
const CLIENT_BASE_BYTES = 4096

const evictors = new WeakMap<Server, Evictor>()

/** Installs memory accounting and eviction on a server (once). */
export function installEviction(srv: Server): Evictor {
  let ev = evictors.get(srv)
  if (ev === undefined) {
    ev = new Evictor(srv)
    evictors.set(srv, ev)
  }
  return ev
}

/** The evictor the server installed at construction (INFO memory, MEMORY STATS read it). */
export function evictorOf(srv: Server): Evictor {
  return evictors.get(srv) as Evictor
}
