// The hashtable encoding shared by sets and sorted sets (dict.c's role): a Map from member to a
// stable slot, with per-slot arrays for the member and an optional value. Members never move while
// they live, so a SCAN cursor over slots never misses a member present for the whole iteration; a
// dense list of the occupied slots gives O(1) fair random sampling (SPOP, SRANDMEMBER) however
// sparse the slots become.

import { arrayBytes, exactArrayBytes, mapBytes, objectBytes, strBytes } from './heapsize.js'

/** A HashTable object in JS heap bytes. */
const TABLE_BYTES = objectBytes(8)

export class HashTable<V = true> {
  private readonly index = new Map<string, number>()
  private keys: (string | undefined)[] = []
  private vals: (V | undefined)[] = []
  private free: number[] = []
  /** Occupied slots in no particular order, and each slot's position in that list. */
  private live: number[] = []
  private livePos: number[] = []
  /** Running sum of the members' (and string values') JS sizes (memory accounting). */
  private heap = 0

  /** valBytes sizes a stored value for the memory estimate (string values); others count 0. */
  constructor(private readonly valBytes: ((v: V) => number) | null = null) {}

  get size(): number {
    return this.index.size
  }

  /** One past the highest slot in use: cursors and sampling look below it. */
  get slotEnd(): number {
    return this.keys.length
  }

  has(key: string): boolean {
    return this.index.has(key)
  }

  get(key: string): V | undefined {
    const s = this.index.get(key)
    return s === undefined ? undefined : this.vals[s]
  }

  /** Inserts or replaces; returns true when key is new. */
  set(key: string, val: V): boolean {
    const s = this.index.get(key)
    const vb = this.valBytes
    if (s !== undefined) {
      if (vb !== null) this.heap += vb(val) - vb(this.vals[s] as V)
      this.vals[s] = val
      return false
    }
    this.heap += strBytes(key) + (vb !== null ? vb(val) : 0)
    const slot = this.freeSlot()
    this.index.set(key, slot)
    this.keys[slot] = key
    this.vals[slot] = val
    this.livePos[slot] = this.live.length
    this.live.push(slot)
    return true
  }

  delete(key: string): boolean {
    const s = this.index.get(key)
    if (s === undefined) return false
    this.heap -= strBytes(key) + (this.valBytes !== null ? this.valBytes(this.vals[s] as V) : 0)
    this.index.delete(key)
    this.keys[s] = undefined
    this.vals[s] = undefined
    const pos = this.livePos[s]
    const last = this.live.pop() as number
    if (last !== s) {
      this.live[pos] = last
      this.livePos[last] = pos
    }
    if (s === this.keys.length - 1) {
      // Trim trailing holes so sampling and cursors stay dense (freeSlot skips the stale entries).
      let end = s
      while (end > 0 && this.keys[end - 1] === undefined) end--
      this.keys.length = end
      this.vals.length = end
    } else {
      this.free.push(s)
    }
    return true
  }

  /** A hole to reuse, else a new slot at the end. Free-list entries trimmed away or reused are stale. */
  private freeSlot(): number {
    while (this.free.length > 0) {
      const s = this.free.pop() as number
      if (s < this.keys.length && this.keys[s] === undefined) return s
    }
    return this.keys.length
  }

  keyAt(slot: number): string | undefined {
    return this.keys[slot]
  }

  valAt(slot: number): V | undefined {
    return this.vals[slot]
  }

  /** A uniformly random occupied slot, or -1 when empty. */
  randomSlot(): number {
    const n = this.live.length
    return n === 0 ? -1 : this.live[Math.floor(Math.random() * n)]
  }

  /**
   * One SCAN step from cursor: visits slots until `count` members were seen (or 10×count slots),
   * calling emit for each. Returns the next cursor, 0 when the walk is complete.
   */
  scan(cursor: number, count: number, emit: (key: string, val: V) => void): number {
    const end = this.keys.length
    let s = cursor
    let seen = 0
    const maxVisits = count * 10
    for (let visits = 0; s < end && seen < count && visits < maxVisits; visits++, s++) {
      const k = this.keys[s]
      if (k === undefined) continue
      emit(k, this.vals[s] as V)
      seen++
    }
    return s >= end ? 0 : s
  }

  *entries(): IterableIterator<[string, V]> {
    for (let s = 0; s < this.keys.length; s++) {
      const k = this.keys[s]
      if (k !== undefined) yield [k, this.vals[s] as V]
    }
  }

  *keysIter(): IterableIterator<string> {
    for (let s = 0; s < this.keys.length; s++) {
      const k = this.keys[s]
      if (k !== undefined) yield k
    }
  }

  /** Estimated JS heap bytes, in O(1): the object, its Map and arrays, the member (and value) strings. */
  memoryUsage(): number {
    const slots = this.keys.length
    return (
      TABLE_BYTES +
      mapBytes(this.index.size) +
      3 * arrayBytes(slots) +
      arrayBytes(this.live.length) +
      exactArrayBytes(this.free.length) +
      this.heap
    )
  }

  /** A copy with the same slots (a clone's cursors stay valid). */
  clone(mapVal: (v: V) => V = (v) => v): HashTable<V> {
    const t = new HashTable<V>(this.valBytes)
    for (const [k, s] of this.index) t.index.set(k, s)
    t.heap = this.heap
    t.keys = this.keys.slice()
    t.vals = this.vals.map((v) => (v === undefined ? v : mapVal(v)))
    t.free = this.free.slice()
    t.live = this.live.slice()
    t.livePos = this.livePos.slice()
    return t
  }
}
