// The key table of one database: an open-addressing hash index from key to a stable slot number,
// with per-slot arrays for the key, value, LRU/LFU clock, expiry deadline and encoding flags. Slots
// give O(1) random sampling (eviction, active expiry) and a SCAN cursor that never skips a key that
// stays put. The index is an Int32Array rather than a JS Map: a Map entry costs ~29 bytes per key,
// the index ~8 (measured: RSS of 1 M small keys 216 → 195 MiB).

import { randomBytes } from 'node:crypto'

import type { Value } from '../types/value.js'
import type { MemoryTotals } from './accounting.js'

/** Per-slot flag: the string value uses the `raw` encoding (grown by APPEND/SETRANGE/SETBIT). */
export const FLAG_RAW = 1
/** Per-slot flag: an integer string duplicated by COPY (dupStringObject), never a shared integer. */
export const FLAG_UNSHARED = 2
/**
 * Per-slot flag: a string kept as text even if it reads as an integer, as Redis stores values it
 * creates without tryObjectEncoding (INCRBYFLOAT's result is `embstr` there, not `int`).
 */
export const FLAG_TEXT = 4

/**
 * Installed by the snapshot cursor (DESIGN.md §3): beforeWrite runs before a key's value, expiry or
 * existence changes, so its old value can be saved first; afterInsert marks a slot that now holds a
 * key born after the snapshot began.
 */
export interface DictHooks {
  beforeWrite(dict: Dict, slot: number): void
  afterInsert(dict: Dict, slot: number): void
}

/** Per-process hash seed, so clients cannot pick keys that all collide (hash flooding). */
const SEED = randomBytes(4).readUInt32LE(0)

/** FNV-1a over the key's bytes with a murmur3 finaliser, seeded. */
function hashKey(key: string): number {
  let h = SEED ^ 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  // 30 bits, a small integer in V8: a hash passed or returned across a call is never boxed.
  return (h ^ (h >>> 16)) >>> 2
}

const EMPTY = 0
const TOMBSTONE = -1
/**
 * An index entry holds slot + 1 in its low SLOT_BITS and, in the 5 bits above them, bits of the
 * key's hash that the bucket number does not use (the tag): a probe compares a key only when the
 * tags match, so it rarely reads another key's string (a cache miss, and a character compare when
 * two keys have the same length). Entries stay below 2^30, so an entry is > 0, EMPTY or TOMBSTONE.
 */
const SLOT_BITS = 25
const SLOT_MASK = (1 << SLOT_BITS) - 1
/**
 * Slots a Dict can number: slot + 1 must fit in SLOT_BITS. 33 M keys take more than the 4 GB that
 * V8's compressed-pointer heap can hold, so the limit is never the one reached first.
 */
const MAX_SLOTS = SLOT_MASK

/** The tag bits of an index entry for a key of this hash. */
function tagOf(hash: number): number {
  return hash & ~SLOT_MASK
}
/** Writes remembered one by one between two measurements (the server measures every loop turn). */
const TOUCHED_MAX = 65536
/** Buckets sampleSlots walks per sample wanted before it falls back to random slots. */
const SAMPLE_STEPS = 16

export class Dict {
  /** Hash index: slot + 1 and a hash tag per bucket, EMPTY or TOMBSTONE; linear probing, power-of-two size. */
  private table = new Int32Array(16)
  private mask = 15
  /** Buckets holding a slot or a tombstone (probe chains end only at EMPTY). */
  private filled = 0
  private count = 0
  keys: (string | undefined)[] = []
  vals: (Value | undefined)[] = []
  lru = new Uint32Array(16)
  expires = new Float64Array(16)
  flags = new Uint8Array(16)
  /**
   * Memory accounting (DESIGN.md §3): each slot's estimated bytes, their running sum, and the slots
   * written since they were last measured, the first touchedCount entries of touched (MemoryTotals
   * measures them once the write is done; a count, as truncating the array costs a runtime call).
   */
  mem = new Uint32Array(16)
  memTotal = 0
  touched: number[] = []
  touchedCount = 0
  /** More writes than TOUCHED_MAX went unmeasured (a bulk load): the next settle measures every slot. */
  touchedAll = false
  /** The keyspace totals this table is part of (MemoryTotals.attach), which follow memTotal and the overhead. */
  totals: MemoryTotals | null = null
  /** overheadBytes(), kept up to date by every change of the figures it is made of. */
  private overhead = 0
  /**
   * Dense list of slots that carry a TTL, and each slot's position in it. Both grow only once keys
   * get TTLs, so a dataset without expiries pays nothing for them.
   */
  private volatile = new Int32Array(16)
  private volPos = new Int32Array(0)
  private volCount = 0
  private free: number[] = []
  private capacity = 16
  /** The hash of each key append() stored, by slot, until indexAppended() indexes them. */
  private appendedHashes: Int32Array | null = null
  /** Highest slot number ever used plus one: SCAN and sampling look below it. */
  slotEnd = 0
  /** Running average TTL (ms) of sampled keys, kept by the active expire cycle (INFO avg_ttl). */
  avgTtl = 0
  hooks: DictHooks | null = null

  constructor() {
    this.resized()
  }

  get size(): number {
    return this.count
  }

  get volatileCount(): number {
    return this.volCount
  }

  slotOf(key: string): number {
    const table = this.table
    const mask = this.mask
    const h = hashKey(key)
    const tag = tagOf(h)
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = table[i]
      if (e === EMPTY) return -1
      if (e > 0 && (e & ~SLOT_MASK) === tag && this.keys[(e & SLOT_MASK) - 1] === key) return (e & SLOT_MASK) - 1
    }
  }

  has(key: string): boolean {
    return this.slotOf(key) >= 0
  }

  /** The bucket a key of hash h goes to: the first empty or tombstone one on its probe sequence. */
  private freeBucket(h: number): number {
    const table = this.table
    const mask = this.mask
    let i = h & mask
    while (table[i] > 0) i = (i + 1) & mask
    return i
  }

  /** Unindexes slot; bucket, when it is where the slot is indexed, spares hashing its key. */
  private indexRemove(key: string, slot: number, bucket: number): void {
    const table = this.table
    if (bucket >= 0 && table[bucket] > 0 && (table[bucket] & SLOT_MASK) === slot + 1) {
      table[bucket] = TOMBSTONE
      this.count--
      return
    }
    const mask = this.mask
    const h = hashKey(key)
    const want = tagOf(h) | (slot + 1)
    let i = h & mask
    while (table[i] !== want) i = (i + 1) & mask
    table[i] = TOMBSTONE
    this.count--
  }

  private ensureRoom(): void {
    if ((this.filled + 1) * 4 > this.table.length * 3) this.rehash()
  }

  /**
   * Makes room for n keys in all (the RDB's RESIZEDB hint), so a load does not rehash the index
   * and regrow the per-slot arrays over and over as it inserts.
   */
  reserve(n: number): void {
    // An empty table's key and value arrays are made at their size at once, instead of growing
    // by copies as keys arrive (an RDB load into fresh tables).
    if (this.slotEnd === 0 && n > this.capacity) {
      this.keys = new Array<string | undefined>(n)
      this.vals = new Array<Value | undefined>(n)
    }
    while (this.capacity < n) this.grow()
    if ((n + 1) * 2 > this.table.length) this.rehash(n)
  }

  /**
   * Rebuilds the index at a size that keeps `keys` keys at most half full, dropping tombstones:
   * -1, or the first slot whose key an earlier slot holds too (only a table filled by append()
   * can have one; the index is then left half built).
   */
  private rehash(keys = this.count): number {
    let size = 16
    // Never below the keys held: a second RESIZEDB for a db can name fewer keys than appended.
    while (size < (Math.max(keys, this.count) + 1) * 2) size *= 2
    // An index with nothing in it (reserve() sized it for a load) is reused.
    const table = this.filled === 0 && this.table.length === size ? this.table : new Int32Array(size)
    const mask = size - 1
    const slotKeys = this.keys
    const hashes = this.appendedHashes
    for (let s = 0; s < this.slotEnd; s++) {
      const key = slotKeys[s]
      if (key === undefined) continue
      const h = hashes !== null ? hashes[s] : hashKey(key)
      const tag = tagOf(h)
      let i = h & mask
      for (let e = table[i]; e !== EMPTY; e = table[i]) {
        if ((e & ~SLOT_MASK) === tag && slotKeys[(e & SLOT_MASK) - 1] === key) return s
        i = (i + 1) & mask
      }
      table[i] = tag | (s + 1)
    }
    this.table = table
    this.mask = mask
    this.filled = this.count
    this.resized()
    return -1
  }

  /** Runs the pre-write hook for a slot about to change (value, ttl, deletion). */
  willWrite(slot: number): void {
    if (this.hooks !== null) this.hooks.beforeWrite(this, slot)
  }

  /** Inserts a new key (caller checked it is absent); returns its slot. */
  insert(key: string, val: Value, lru: number): number {
    this.ensureRoom()
    const h = hashKey(key)
    return this.fill(this.freeBucket(h), tagOf(h), key, val, lru)
  }

  /**
   * Inserts key unless it is present, with one probe sequence for both (the RDB loader's path):
   * its new slot, or -1 when the key exists.
   */
  insertIfAbsent(key: string, val: Value, lru: number): number {
    this.ensureRoom()
    const table = this.table
    const mask = this.mask
    const h = hashKey(key)
    const tag = tagOf(h)
    let free = -1
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = table[i]
      if (e === EMPTY) return this.fill(free >= 0 ? free : i, tag, key, val, lru)
      if (e === TOMBSTONE) {
        if (free < 0) free = i
      } else if ((e & ~SLOT_MASK) === tag && this.keys[(e & SLOT_MASK) - 1] === key) return -1
    }
  }

  /**
   * Stores a key in the next slot without indexing it (an RDB load into a fresh table), keeping
   * its hash while the key is in cache. A load that probes the index once per key waits on a cache
   * miss each time, amid the parsing; indexAppended() probes in one tight loop over the kept
   * hashes, whose misses the CPU overlaps. Until indexAppended() runs, the table must not be used.
   */
  append(key: string, val: Value, lru: number): number {
    const slot = this.nextSlot()
    let hashes = this.appendedHashes
    if (hashes === null || slot >= hashes.length) {
      const more = new Int32Array(this.capacity)
      if (hashes !== null) more.set(hashes)
      this.appendedHashes = hashes = more
    }
    hashes[slot] = hashKey(key)
    this.store(slot, key, val, lru)
    return slot
  }

  /**
   * Indexes a table filled by append(): -1, or the first slot whose key an earlier slot already
   * holds (the table is then left unusable).
   */
  indexAppended(): number {
    const dup = this.rehash()
    this.appendedHashes = null
    return dup
  }

  /** Stores a new key in a slot and indexes it at bucket with its hash tag (bucket found after ensureRoom). */
  private fill(bucket: number, tag: number, key: string, val: Value, lru: number): number {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.nextSlot()
    if (this.table[bucket] === EMPTY) this.filled++
    this.table[bucket] = tag | (slot + 1)
    this.store(slot, key, val, lru)
    this.resized()
    if (this.hooks !== null) this.hooks.afterInsert(this, slot)
    return slot
  }

  /** A slot never used before, the per-slot arrays grown to hold it. */
  private nextSlot(): number {
    if (this.slotEnd >= MAX_SLOTS) throw new Error(`a database holds at most ${MAX_SLOTS} keys`)
    const slot = this.slotEnd++
    if (slot >= this.capacity) this.grow()
    return slot
  }

  /** Writes a new key's per-slot fields and counts it. */
  private store(slot: number, key: string, val: Value, lru: number): void {
    this.count++
    this.keys[slot] = key
    this.vals[slot] = val
    this.lru[slot] = lru
    this.flags[slot] = 0
    this.expires[slot] = 0
    this.touch(slot)
  }

  /**
   * Removes the key in slot (caller ran willWrite). `bucket` is where sampleSlots found it, if it
   * did: eviction then never reads the key's bytes (a cache miss) to hash them.
   */
  removeSlot(slot: number, bucket = -1): void {
    const key = this.keys[slot] as string
    this.indexRemove(key, slot, bucket)
    // fill() rewrites a slot's expiry and flags, so only a TTL needs undoing here: without TTLs in
    // the table, eviction and DEL touch two fewer cache lines per key.
    if (this.volCount !== 0 && this.expires[slot] !== 0) {
      this.unlinkVolatile(slot)
      this.expires[slot] = 0
    }
    this.keys[slot] = undefined
    this.vals[slot] = undefined
    this.setMem(slot, 0)
    this.free.push(slot)
    this.resized()
  }

  setExpire(slot: number, when: number): void {
    if (this.expires[slot] === 0) {
      if (this.volPos.length < this.capacity) {
        this.volPos = grown(this.volPos, this.capacity)
        this.resized()
      }
      if (this.volCount === this.volatile.length) {
        this.volatile = grown(this.volatile, this.volatile.length * 2)
        this.resized()
      }
      this.volatile[this.volCount] = slot
      this.volPos[slot] = this.volCount++
    }
    this.expires[slot] = when
  }

  clearExpire(slot: number): void {
    if (this.expires[slot] === 0) return
    this.unlinkVolatile(slot)
    this.expires[slot] = 0
  }

  private unlinkVolatile(slot: number): void {
    const pos = this.volPos[slot]
    const last = this.volatile[--this.volCount]
    this.volatile[pos] = last
    this.volPos[last] = pos
  }

  /** A uniformly random occupied slot, or -1 when empty. O(1) expected while the table is not sparse. */
  randomSlot(rand: () => number = Math.random): number {
    if (this.count === 0) return -1
    // Sparse tables (many deletions) fall back to a bounded number of probes then a walk.
    for (let i = 0; i < 64; i++) {
      const s = Math.floor(rand() * this.slotEnd)
      if (this.keys[s] !== undefined) return s
    }
    const start = Math.floor(rand() * this.slotEnd)
    for (let i = 0; i < this.slotEnd; i++) {
      const s = (start + i) % this.slotEnd
      if (this.keys[s] !== undefined) return s
    }
    return -1
  }

  /**
   * Fills slots with n occupied slots read from consecutive buckets of the index, from a random
   * one on (Redis's dictGetSomeKeys), and buckets with where each is indexed: a key's bucket is as
   * random as its hash, so the samples are as independent as random slots, yet one cache line of
   * the index yields several, without reading the keys. A sparse index is walked for at most
   * SAMPLE_STEPS buckets per sample, then random slots (bucket −1) make up the rest. Returns how
   * many slots it stored: fewer than n only when the table holds fewer keys (then all of them).
   */
  sampleSlots(slots: Int32Array, buckets: Int32Array, n: number): number {
    if (this.count === 0) return 0
    const table = this.table
    const mask = this.mask
    const steps = Math.min(n * SAMPLE_STEPS, mask + 1)
    let i = Math.floor(Math.random() * (mask + 1))
    let found = 0
    for (let step = 0; step < steps && found < n; step++) {
      const e = table[i]
      if (e > 0) {
        slots[found] = (e & SLOT_MASK) - 1
        buckets[found++] = i
      }
      i = (i + 1) & mask
    }
    // A walk of the whole index found every key: repeating some would add nothing.
    if (steps <= mask) {
      while (found < n) {
        slots[found] = this.randomSlot()
        buckets[found++] = -1
      }
    }
    return found
  }

  /** A uniformly random slot among those with a TTL, or -1. */
  randomVolatileSlot(rand: () => number = Math.random): number {
    if (this.volCount === 0) return -1
    return this.volatile[Math.floor(rand() * this.volCount)]
  }

  /** The slot at position i of the TTL list (for the active expire cycle's cursor). */
  volatileAt(i: number): number {
    return this.volatile[i]
  }

  private grow(): void {
    const cap = this.capacity * 2
    const lru = new Uint32Array(cap)
    lru.set(this.lru)
    this.lru = lru
    const exp = new Float64Array(cap)
    exp.set(this.expires)
    this.expires = exp
    const flags = new Uint8Array(cap)
    flags.set(this.flags)
    this.flags = flags
    const mem = new Uint32Array(cap)
    mem.set(this.mem)
    this.mem = mem
    this.capacity = cap
    this.resized()
  }

  /** Notes that slot's value was written and must be measured again. */
  touch(slot: number): void {
    const n = this.touchedCount
    if (n === 0 && !this.touchedAll && this.totals !== null) this.totals.pending.push(this)
    if (n < TOUCHED_MAX) {
      this.touched[n] = slot
      this.touchedCount = n + 1
    } else {
      this.touchedAll = true
    }
  }

  /** Records a slot's measured size, keeping the running sums. */
  setMem(slot: number, bytes: number): void {
    const delta = bytes - this.mem[slot]
    this.memTotal += delta
    if (this.totals !== null) this.totals.dataset += delta
    this.mem[slot] = bytes
  }

  /**
   * One of the figures overheadBytes() is made of changed. The table's own bytes besides the keys
   * and values: the typed arrays (index, 17 bytes per slot, the TTL list), counted twice because
   * the allocator keeps the previous, halved generations each growth copied from (measured: RSS of
   * 1 M string keys); the keys and values arrays at a quarter of growth slack; the free list.
   */
  private resized(): void {
    const overhead = this.computedOverhead()
    if (this.totals !== null) this.totals.tables += overhead - this.overhead
    this.overhead = overhead
  }

  /** overheadBytes() computed afresh from the arrays' sizes. */
  computedOverhead(): number {
    const typed = this.table.length * 4 + this.capacity * 17 + this.volatile.length * 4 + this.volPos.length * 4
    return 2 * typed + this.slotEnd * 20 + this.free.length * 8
  }

  /** The table's own bytes besides the keys and values (see resized()). */
  overheadBytes(): number {
    return this.overhead
  }

  /** Iterates occupied slots in slot order. */
  *slots(): IterableIterator<number> {
    for (let s = 0; s < this.slotEnd; s++) if (this.keys[s] !== undefined) yield s
  }
}

function grown(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size)
  b.set(a)
  return b
}
