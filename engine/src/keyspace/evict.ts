// Eviction (evict.c, Redis 7.0): before a command flagged denyoom, keys are evicted until the
// accounted used_memory is back under `maxmemory`, by one of the eight maxmemory policies. LRU, LFU
// and TTL policies feed Redis's 16-entry eviction pool from `maxmemory-samples` random keys per db
// and evict its best candidate; random policies pick a random key round-robin across dbs. Eviction
// stops after its `maxmemory-eviction-tenacity` time budget and resumes on later loop turns.
// Also here: the LRU clock arithmetic and the LFU logarithmic counter (object.c, db.c).
//
// A key's LRU/LFU field (Dict.lru) holds Redis's 24-bit robj.lru in its low 24 bits: the LRU clock
// in seconds, or the LFU's last-access minutes << 8 | counter. The top 8 bits, which robj.lru
// lacks, refine the last access to 1/256 of that second (LRU) or minute (LFU). Only the eviction
// pool ranks by them: a whole cache can turn over within a few seconds, and with whole seconds the
// samples of one second tie and the pool keeps whichever came first. Everything Redis reports
// (OBJECT IDLETIME / FREQ, RDB IDLE / FREQ, DEBUG OBJECT) reads the low 24 bits.

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
/** The weight of the fine part in the top 8 bits of a key's field (2^24). */
const FINE = 0x1000000
/** The eviction time budget is checked every this many evicted keys. */
const CHECK_EVERY = 16

export const EVICT_OK = 0
/** Still over the limit, but the time budget ran out: eviction continues on later loop turns. */
export const EVICT_RUNNING = 1
/** Over the limit and nothing (more) can be evicted: denyoom commands get -OOM. */
export const EVICT_FAIL = 2
export type EvictResult = typeof EVICT_OK | typeof EVICT_RUNNING | typeof EVICT_FAIL

/** estimateObjectIdleTime in seconds: the 24-bit LRU clock, allowing for one wrap. */
export function idleSeconds(clock: number, field: number): number {
  const lru = field & LRU_CLOCK_MAX
  return clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)
}

/**
 * 1/256ths of the LRU clock's second elapsed `ms` into it. Cron moves the clock on: until it does,
 * accesses after the second's end stay at its last 1/256 (the whole seconds must stay Redis's).
 */
function lruFraction(ms: number): number {
  const f = ms * 0.256
  return f < 255 ? (f > 0 ? Math.floor(f) : 0) : 255
}

/** The field of a key accessed now under an LRU (or no) policy: the LRU clock, refined to 1/256 s. */
export function lruStamp(clock: number, msIntoSecond: number): number {
  return clock + lruFraction(msIntoSecond) * FINE
}

/** Unix time in LFU ticks of 1/256 minute. */
function lfuTicks(nowMs: number): number {
  return Math.floor((nowMs * 64) / 15000)
}

/** The field of a key accessed now under an LFU policy, before its counter is added. */
function lfuStamp(nowMs: number): number {
  const ticks = lfuTicks(nowMs)
  return (ticks & 255) * FINE + ((ticks >>> 8) & 0xffff) * 256
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
  const ldt = (field >>> 8) & 0xffff
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

/**
 * An eviction pool entry names a slot and the field its key was scored by, not the key's name:
 * reading the name would cost a cache miss per filed sample. At pick time a slot still holding a
 * key with that same field is as good a candidate as the one sampled (should the key have been
 * replaced, its successor was last touched at that very 1/256 s, or expires at that very ms).
 */
interface PoolEntry {
  /**
   * Higher is a better candidate, and stays comparable as time passes: minus the last access in
   * LRU ticks (LRU); 255 − frequency, ties to the least recent access (LFU); minus the expiry (TTL).
   */
  score: number
  db: number
  /**
   * Where the key was, −1 for an empty entry (and its index bucket when sampled from the index,
   * else −1), and the field (LRU/LFU) or expiry (TTL) it was scored by.
   */
  slot: number
  bucket: number
  seen: number
}

/** Weight of the LFU counter in a score, above any access time in LFU ticks (2^40 ticks ≈ 8,000 years). */
const LFU_COUNTER_WEIGHT = 2 ** 40

export class Evictor {
  private readonly pool: PoolEntry[] = Array.from({ length: EVPOOL_SIZE }, () => ({
    score: 0,
    db: 0,
    slot: -1,
    bucket: -1,
    seen: 0,
  }))
  /** Round-robin db cursor of the random policies. */
  private nextDb = 0
  /** The last run stopped on its time budget while still over the limit. */
  private running = false
  /** performance.now() when used memory went over maxmemory and stayed there, 0 when under. */
  private exceededSince = 0
  /** total_eviction_exceeded_time, ms, of the periods already over. */
  private exceededTotalMs = 0
  /**
   * Clients' buffers (replies not yet written, input not yet parsed), measured by cron: a walk over
   * every client per command would cost too much, and between loop turns they are mostly empty.
   */
  private clientBuffers = 0
  private samples = 5
  /** The slots one populate() samples, their index buckets, and their fields (or expiries). */
  private sampled = new Int32Array(5)
  private sampledBuckets = new Int32Array(5)
  private sampledSeen = new Float64Array(5)
  /** The policy, parsed: which keys are candidates and how they are scored. */
  private allkeys = false
  private scoring: 'lru' | 'lfu' | 'ttl' | 'random' | 'none' = 'none'
  /** How evictions are propagated: UNLINK with lazyfree-lazy-eviction, else DEL. */
  private delCommand = 'DEL'
  /** The db of the key the last pick returned, and its index bucket if known (else −1). */
  private victimDb: Db | null = null
  private victimBucket = -1
  private tenacityUs = 500
  private decayTime = 1
  private logFactor = 10
  /**
   * The time scores are taken at (clockNow): now in ticks of 1/256 s (LRU) or minute (LFU), whole,
   * and wrapped as a field's 32 (LRU) or 24 (LFU) time bits hold it.
   */
  private nowTicks = 0
  private nowWrapped = 0

  constructor(private readonly srv: Server) {
    const cfg = srv.config
    const read = (): void => {
      this.samples = cfg.getInt('maxmemory-samples')
      if (this.sampled.length !== this.samples) {
        this.sampled = new Int32Array(this.samples)
        this.sampledBuckets = new Int32Array(this.samples)
        this.sampledSeen = new Float64Array(this.samples)
      }
      this.tenacityUs = evictionTimeLimitUs(cfg.getInt('maxmemory-eviction-tenacity'))
      this.decayTime = cfg.getInt('lfu-decay-time')
      this.logFactor = cfg.getInt('lfu-log-factor')
      this.delCommand = cfg.getBool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL'
      const policy = srv.policy
      this.allkeys = policy.startsWith('allkeys')
      this.scoring = policy === 'noeviction' ? 'none' : (policy.slice(policy.indexOf('-') + 1) as Evictor['scoring'])
      srv.lfu = this.scoring === 'lfu' ? (d, slot) => this.lfuTouch(d, slot) : null
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
    if (slot < 0) return lfuStamp(now) + LFU_INIT_VAL
    const counter = lfuLogIncr(lfuDecrAndReturn(d.lru[slot], this.decayTime, now), this.logFactor, Math.random())
    return lfuStamp(now) + counter
  }

  /** used_memory and its parts (measures the writes of this loop turn first). */
  memory(): MemoryBreakdown {
    return memoryBreakdown(this.srv, this.clientsMemory())
  }

  /**
   * The clients' share of used_memory: each connected client's own objects, counted from the
   * moment it connects to the moment it goes (a client that connected since the last cron must
   * count before the next write, as Redis's allocator counts it at accept), plus their buffers as
   * cron last measured them.
   */
  private clientsMemory(): number {
    return this.srv.clients.size * CLIENT_BASE_BYTES + this.clientBuffers
  }

  /** used_memory alone, in O(1) (measures the writes of this loop turn first). */
  usedMemory(): number {
    const totals = this.srv.keyspace.memory
    totals.settle()
    return totals.dataset + totals.tables + this.clientsMemory() + this.srv.baselineMemory
  }

  /** INFO stats current_eviction_exceeded_time and total_eviction_exceeded_time, ms. */
  private syncStats(): void {
    const current = this.exceededSince === 0 ? 0 : performance.now() - this.exceededSince
    this.srv.stats.currentEvictionExceededTime = Math.round(current)
    this.srv.stats.totalEvictionExceededTime = Math.round(this.exceededTotalMs + current)
  }

  private cron(): void {
    let buffers = 0
    for (const c of this.srv.clients.values()) buffers += c.outputBytes + c.parser.pendingBytes
    this.clientBuffers = buffers
    const used = this.usedMemory()
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
    const used = this.usedMemory()
    if (used > this.srv.maxmemory) {
      this.srv.log.warning(
        `WARNING: the new maxmemory value set via CONFIG SET (${this.srv.maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
      )
    }
    this.running = true
    this.srv.wakeUp()
  }

  private clearPool(): void {
    for (const e of this.pool) e.slot = -1
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
    if (this.usedMemory() <= max) return EVICT_OK
    if (this.scoring === 'none') return EVICT_FAIL
    const limitMs = this.tenacityUs / 1000
    // The time budget runs from the first key freed: most commands need only that one, and a clock
    // read costs about as much as sampling a key.
    let start = 0
    let keysFreed = 0
    for (;;) {
      const slot = this.scoring === 'random' ? this.pickRandom() : this.pickFromPool()
      if (slot < 0) return EVICT_FAIL
      this.evictKey(this.victimDb as Db, slot, this.victimBucket)
      if (this.usedMemory() <= max) return EVICT_OK
      if (++keysFreed === 1) start = performance.now()
      else if (keysFreed % CHECK_EVERY === 0 && performance.now() - start > limitMs) return EVICT_RUNNING
    }
  }

  /** deleteEvictedKeyAndPropagate: delete through the Db choke point, count, notify, propagate. */
  private evictKey(db: Db, slot: number, bucket: number): void {
    const srv = this.srv
    const key = db.dict.keys[slot] as string
    db.removeAt(slot, bucket)
    srv.stats.evictedKeys++
    srv.notify('e', 'evicted', key, db.id)
    srv.propagate(db.id, [this.delCommand, key])
  }

  /** A random key's slot (its db in victimDb), round-robin over the dbs; −1 when none has one. */
  private pickRandom(): number {
    const dbs = this.srv.keyspace.dbs
    for (let i = 0; i < dbs.length; i++) {
      this.nextDb = (this.nextDb + 1) % dbs.length
      const db = dbs[this.nextDb]
      const slot = this.allkeys ? db.dict.randomSlot() : db.dict.randomVolatileSlot()
      if (slot >= 0) {
        this.victimDb = db
        this.victimBucket = -1
        return slot
      }
    }
    return -1
  }

  /**
   * Refills the pool from every db until its best entry names a live, eligible key that was not
   * accessed since it was scored: its slot (db in victimDb), or −1. An entry whose key was accessed
   * meanwhile is scored again and filed anew, where Redis would evict it on its stale idle time.
   * (A slot's array entries beyond a replaced Dict's end read as undefined, so a FLUSHDB or SWAPDB
   * since the sample is caught by the same checks.)
   */
  private pickFromPool(): number {
    const dbs = this.srv.keyspace.dbs
    const allkeys = this.allkeys
    const pool = this.pool
    for (;;) {
      this.clockNow()
      let total = 0
      for (const db of dbs) {
        const size = allkeys ? db.size : db.dict.volatileCount
        if (size === 0) continue
        this.populate(db, allkeys)
        total += size
      }
      if (total === 0) return -1
      for (let k = EVPOOL_SIZE - 1; k >= 0; k--) {
        const e = pool[k]
        const slot = e.slot
        if (slot < 0) continue
        e.slot = -1
        const db = dbs[e.db]
        const d = db.dict
        if (slot >= d.slotEnd || d.keys[slot] === undefined || (!allkeys && d.expires[slot] === 0)) continue
        const seen = this.seen(d, slot)
        if (seen !== e.seen) {
          this.file(db, slot, e.bucket, seen)
          k = EVPOOL_SIZE
          continue
        }
        this.victimDb = db
        this.victimBucket = e.bucket
        return slot
      }
    }
  }

  /** Takes the time the next scores are relative to. */
  private clockNow(): void {
    const srv = this.srv
    if (this.scoring === 'lru') {
      const fraction = lruFraction(srv.now() - srv.lruSecondMs)
      this.nowTicks = (srv.lruSecondMs / 1000) * 256 + fraction
      this.nowWrapped = srv.lruClock * 256 + fraction
    } else if (this.scoring === 'lfu') {
      this.nowTicks = lfuTicks(srv.now())
      this.nowWrapped = this.nowTicks % FINE
    }
  }

  /** What a slot's score is computed from: its LRU/LFU field, or its expiry under volatile-ttl. */
  private seen(d: Dict, slot: number): number {
    return this.scoring === 'ttl' ? d.expires[slot] : d.lru[slot]
  }

  /** evictionPoolPopulate: scores `maxmemory-samples` random keys of db and files them in the pool. */
  private populate(db: Db, allkeys: boolean): void {
    const d = db.dict
    const slots = this.sampled
    const buckets = this.sampledBuckets
    let found = this.samples
    if (allkeys) {
      found = d.sampleSlots(slots, buckets, found)
    } else {
      // Only called for a db with keys with a TTL: a slot is always found.
      for (let i = 0; i < found; i++) {
        slots[i] = d.randomVolatileSlot()
        buckets[i] = -1
      }
    }
    // The samples' fields are read first, in a loop of their own, so that the CPU overlaps their
    // cache misses (about one per sample) rather than waits for each in turn between the scorings.
    const fields = this.scoring === 'ttl' ? d.expires : d.lru
    const seen = this.sampledSeen
    for (let i = 0; i < found; i++) seen[i] = fields[slots[i]]
    for (let i = 0; i < found; i++) this.file(db, slots[i], buckets[i], seen[i])
  }

  /** Scores the key in slot (at clockNow's time) by its field or expiry `seen`, and files it in the pool. */
  private file(db: Db, slot: number, bucket: number, seen: number): void {
    let score: number
    if (this.scoring === 'lru') {
      // Age in 1/256 s from the field's 24 + 8 bits (wrapping every 194 days, as Redis's clock).
      const age = (this.nowWrapped - ((seen & LRU_CLOCK_MAX) * 256 + (seen >>> 24))) >>> 0
      score = age - this.nowTicks
    } else if (this.scoring === 'lfu') {
      // Age in 1/256 minute from the 16 minute bits and the top 8 (wrapping every 45 days, as Redis's).
      const age = (this.nowWrapped - (((seen >>> 8) & 0xffff) * 256 + (seen >>> 24))) & 0xffffff
      const counter = lfuDecrAndReturn(seen, this.decayTime, this.srv.now())
      score = (255 - counter) * LFU_COUNTER_WEIGHT + age - this.nowTicks
    } else {
      score = -seen
    }
    this.insert(score, db.id, slot, bucket, seen)
  }

  /** The pool stays sorted by score ascending; a full pool drops its worst entry for a better key. */
  private insert(score: number, dbId: number, slot: number, bucket: number, seen: number): void {
    const pool = this.pool
    let k = 0
    while (k < EVPOOL_SIZE && pool[k].slot >= 0 && pool[k].score < score) k++
    if (k === 0 && pool[EVPOOL_SIZE - 1].slot >= 0) return
    if (k < EVPOOL_SIZE && pool[k].slot < 0) {
      // An empty entry: take it.
    } else if (pool[EVPOOL_SIZE - 1].slot < 0) {
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
    e.score = score
    e.db = dbId
    e.slot = slot
    e.bucket = bucket
    e.seen = seen
  }
}

/** A client's own share of used_memory besides its buffers: the Client, socket and parser objects. */
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
