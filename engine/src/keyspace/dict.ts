// The key table of one database: a Map from key to a stable slot number, with per-slot arrays for
// the value, LRU/LFU clock, expiry deadline and encoding flags. Slots give O(1) random sampling
// (eviction, active expiry) and a SCAN cursor that never skips a key that stays put.

import type { Value } from '../types/value.js'

/** Per-slot flag: the string value uses the `raw` encoding (grown by APPEND/SETRANGE/SETBIT). */
export const FLAG_RAW = 1

/**
 * Installed by the snapshot cursor (DESIGN.md §3): beforeWrite runs before a key's value, expiry or
 * existence changes, so its old value can be saved first; afterInsert marks a slot that now holds a
 * key born after the snapshot began.
 */
export interface DictHooks {
  beforeWrite(dict: Dict, slot: number): void
  afterInsert(dict: Dict, slot: number): void
}

export class Dict {
  private readonly index = new Map<string, number>()
  keys: (string | undefined)[] = []
  vals: (Value | undefined)[] = []
  lru = new Uint32Array(16)
  expires = new Float64Array(16)
  flags = new Uint8Array(16)
  /** Dense list of slots that carry a TTL, and each slot's position in it (-1 when none). */
  private volatile = new Int32Array(16)
  private volPos = new Int32Array(16).fill(-1)
  private volCount = 0
  private free: number[] = []
  private capacity = 16
  /** Highest slot number ever used plus one: SCAN and sampling look below it. */
  slotEnd = 0
  hooks: DictHooks | null = null

  get size(): number {
    return this.index.size
  }

  get volatileCount(): number {
    return this.volCount
  }

  slotOf(key: string): number {
    const s = this.index.get(key)
    return s === undefined ? -1 : s
  }

  has(key: string): boolean {
    return this.index.has(key)
  }

  /** Runs the pre-write hook for a slot about to change (value, ttl, deletion). */
  willWrite(slot: number): void {
    if (this.hooks !== null) this.hooks.beforeWrite(this, slot)
  }

  /** Inserts a new key (caller checked it is absent); returns its slot. */
  insert(key: string, val: Value, lru: number): number {
    let slot: number
    if (this.free.length > 0) {
      slot = this.free.pop() as number
    } else {
      slot = this.slotEnd++
      if (slot >= this.capacity) this.grow()
    }
    this.index.set(key, slot)
    this.keys[slot] = key
    this.vals[slot] = val
    this.lru[slot] = lru
    this.flags[slot] = 0
    this.expires[slot] = 0
    if (this.hooks !== null) this.hooks.afterInsert(this, slot)
    return slot
  }

  /** Removes the key in slot (caller ran willWrite). */
  removeSlot(slot: number): void {
    const key = this.keys[slot] as string
    this.index.delete(key)
    if (this.expires[slot] !== 0) this.unlinkVolatile(slot)
    this.keys[slot] = undefined
    this.vals[slot] = undefined
    this.expires[slot] = 0
    this.flags[slot] = 0
    this.free.push(slot)
  }

  setExpire(slot: number, when: number): void {
    if (this.expires[slot] === 0) {
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
    this.volPos[slot] = -1
  }

  /** A uniformly random occupied slot, or -1 when empty. O(1) expected while the table is not sparse. */
  randomSlot(rand: () => number = Math.random): number {
    if (this.index.size === 0) return -1
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
    const vol = new Int32Array(cap)
    vol.set(this.volatile)
    this.volatile = vol
    const volPos = new Int32Array(cap).fill(-1)
    volPos.set(this.volPos)
    this.volPos = volPos
    this.capacity = cap
  }

  /** Iterates occupied slots in slot order. */
  *slots(): IterableIterator<number> {
    for (let s = 0; s < this.slotEnd; s++) if (this.keys[s] !== undefined) yield s
  }
}
