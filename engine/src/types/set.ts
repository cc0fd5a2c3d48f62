// The set type (t_set.c's storage side): an intset while every member is a canonical int64 and the
// count stays within set-max-intset-entries, else a hashtable of latin1 members. Conversion is
// one-way while the key lives; a new value (store commands, RDB load, COPY) re-evaluates it.

import { parseInt64 } from '../util/numbers.js'
import { HashTable } from './hashtable.js'
import { IntSet } from './intset.js'
import type { CollectionValue } from './value.js'
import { objectBytes } from './heapsize.js'

/** Redis caps set-max-intset-entries at 2^30 because of intset internals. */
const INTSET_HARD_MAX = 1 << 30
/** A SetValue object in JS heap bytes. */
const SET_BYTES = objectBytes(3)

export class SetValue implements CollectionValue {
  readonly type = 'set' as const
  private ints: IntSet | null
  private table: HashTable | null = null

  private constructor(ints: IntSet | null) {
    this.ints = ints
    if (ints === null) this.table = new HashTable()
  }

  /** setTypeCreate: an intset when the first member is an integer, else a hashtable. */
  static create(first: string): SetValue {
    return new SetValue(parseInt64(first) !== null ? new IntSet() : null)
  }

  /** A set holding these members, encoded as if they were added one by one to a new key. */
  static fromMembers(members: Iterable<string>, maxIntset: number): SetValue | null {
    let s: SetValue | null = null
    for (const m of members) {
      if (s === null) s = SetValue.create(m)
      s.add(m, maxIntset)
    }
    return s
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable'
  }

  get length(): number {
    return this.ints !== null ? this.ints.length : (this.table as HashTable).size
  }

  /** The intset while that is the encoding (the RDB writer saves it as type 11), else null. */
  get intset(): IntSet | null {
    return this.ints
  }

  has(m: string): boolean {
    if (this.ints !== null) {
      const v = parseInt64(m)
      return v !== null && this.ints.has(v)
    }
    return (this.table as HashTable).has(m)
  }

  /** setTypeAdd: false when m was already a member; converts at Redis's thresholds. */
  add(m: string, maxIntset: number): boolean {
    if (this.ints !== null) {
      const v = parseInt64(m)
      if (v !== null) {
        if (!this.ints.add(v)) return false
        if (this.ints.length > capIntset(maxIntset)) this.convert()
        return true
      }
      this.convert()
    }
    return (this.table as HashTable).set(m, true)
  }

  remove(m: string): boolean {
    if (this.ints !== null) {
      const v = parseInt64(m)
      return v !== null && this.ints.remove(v)
    }
    return (this.table as HashTable).delete(m)
  }

  *members(): IterableIterator<string> {
    if (this.ints !== null) {
      for (const v of this.ints.values()) yield String(v)
    } else {
      yield* (this.table as HashTable).keysIter()
    }
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    if (this.ints !== null) return String(this.ints.get(Math.floor(Math.random() * this.ints.length)))
    const t = this.table as HashTable
    return t.keyAt(t.randomSlot()) as string
  }

  /** Removes and returns a uniformly random member (the set must not be empty). */
  popRandom(): string {
    if (this.ints !== null) {
      const i = Math.floor(Math.random() * this.ints.length)
      const m = String(this.ints.get(i))
      this.ints.removeAt(i)
      return m
    }
    const m = this.random()
    this.remove(m)
    return m
  }

  /**
   * One SSCAN step. An intset is returned whole with cursor 0, as Redis does for compact
   * encodings; a hashtable is walked by slot.
   */
  scan(cursor: number, count: number, emit: (m: string) => void): number {
    if (this.ints !== null) {
      for (const v of this.ints.values()) emit(String(v))
      return 0
    }
    return (this.table as HashTable).scan(cursor, count, emit)
  }

  clone(): SetValue {
    if (this.ints !== null) return new SetValue(this.ints.clone())
    const s = new SetValue(null)
    s.table = (this.table as HashTable).clone()
    return s
  }

  /** Estimated JS heap bytes, in O(1). */
  memoryUsage(): number {
    return SET_BYTES + (this.ints !== null ? this.ints.memoryUsage() : (this.table as HashTable).memoryUsage())
  }

  /** setTypeConvert to hashtable. */
  private convert(): void {
    const t = new HashTable()
    for (const v of (this.ints as IntSet).values()) t.set(String(v), true)
    this.ints = null
    this.table = t
  }
}

function capIntset(max: number): number {
  return max >= INTSET_HARD_MAX ? INTSET_HARD_MAX : max
}
