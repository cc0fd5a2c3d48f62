// The hash type (t_hash.c's storage side): a listpack of alternating field/value entries while the
// hash is small (≤ hash-max-listpack-entries fields, every field and value ≤ hash-max-listpack-value
// bytes), else a hashtable. As in Redis a live hash only ever converts listpack → hashtable.

import type { CollectionValue } from './value.js'
import { Listpack, LP_SAFETY_SIZE } from './listpack.js'
import { HashTable } from './hashtable.js'
import type { Config } from '../server/config.js'
import { arrayBytes, objectBytes, strBytes } from './heapsize.js'

/** A HashValue object, and a Listpack object, in JS heap bytes. */
const HASH_BYTES = objectBytes(3)
const LISTPACK_BYTES = objectBytes(4)

export interface HashLimits {
  maxEntries: number
  maxValue: number
}

const limitsCache = new WeakMap<Config, HashLimits>()
const watchedConfigs = new WeakSet<Config>()

/**
 * The conversion thresholds as configured now (as Redis reads server.* at each write), cached per
 * Config and dropped on any CONFIG SET so HSET does not parse two config values per call.
 */
export function hashLimits(config: Config): HashLimits {
  let l = limitsCache.get(config)
  if (l === undefined) {
    if (!watchedConfigs.has(config)) {
      watchedConfigs.add(config)
      config.onChange(() => limitsCache.delete(config))
    }
    l = {
      maxEntries: config.getInt('hash-max-listpack-entries'),
      maxValue: config.getInt('hash-max-listpack-value'),
    }
    limitsCache.set(config, l)
  }
  return l
}

export class HashValue implements CollectionValue {
  readonly type = 'hash' as const
  /** Listpack encoding: field, value, field, value, … (null once converted). */
  lp: Listpack | null = new Listpack()
  /** Hashtable encoding (null while the listpack is in use). */
  ht: HashTable<string> | null = null

  encoding(): string {
    return this.lp !== null ? 'listpack' : 'hashtable'
  }

  get length(): number {
    return this.lp !== null ? this.lp.length / 2 : (this.ht as HashTable<string>).size
  }

  /** Index of field's entry in the listpack, or -1. */
  private lpIndex(field: string): number {
    return (this.lp as Listpack).find(field, 0, 2)
  }

  get(field: string): string | undefined {
    if (this.lp === null) return (this.ht as HashTable<string>).get(field)
    const i = this.lpIndex(field)
    return i < 0 ? undefined : this.lp.get(i + 1)
  }

  has(field: string): boolean {
    if (this.lp === null) return (this.ht as HashTable<string>).has(field)
    return this.lpIndex(field) >= 0
  }

  /**
   * hashTypeTryConversion before a write of `args` from index `from` (fields and values): converts when one of them
   * is longer than the value limit or the listpack would grow past its 1 GB safety size. (7.0 does
   * not convert on the argument count alone: 513 copies of one pair stay a listpack.)
   */
  tryConversion(args: readonly string[], limits: HashLimits, from = 0): void {
    if (this.lp === null) return
    let sum = 0
    for (let i = from; i < args.length; i++) {
      const len = args[i].length
      if (len > limits.maxValue) {
        this.convert()
        return
      }
      sum += len
    }
    if (this.lp.bytes + sum > LP_SAFETY_SIZE) this.convert()
  }

  /** hashTypeSet: sets field to value, converting when limits require. True when field is new. */
  set(field: string, value: string, limits: HashLimits): boolean {
    if (this.lp !== null && (field.length > limits.maxValue || value.length > limits.maxValue)) this.convert()
    if (this.lp === null) return (this.ht as HashTable<string>).set(field, value)
    const i = this.lpIndex(field)
    if (i >= 0) {
      this.lp.set(i + 1, value)
      return false
    }
    this.lp.push(field)
    this.lp.push(value)
    if (this.lp.length / 2 > limits.maxEntries) this.convert()
    return true
  }

  delete(field: string): boolean {
    if (this.lp === null) return (this.ht as HashTable<string>).delete(field)
    const i = this.lpIndex(field)
    if (i < 0) return false
    this.lp.remove(i, 2)
    return true
  }

  /** hashTypeConvert to the hashtable encoding (one way). */
  convert(): void {
    if (this.lp === null) return
    const ht = new HashTable<string>(strBytes)
    const e = this.lp.entries
    for (let i = 0; i < e.length; i += 2) ht.set(e[i], e[i + 1])
    this.ht = ht
    this.lp = null
  }

  /** Every field/value pair, in storage order. */
  *entries(): IterableIterator<[string, string]> {
    if (this.lp === null) {
      yield* (this.ht as HashTable<string>).entries()
      return
    }
    const e = this.lp.entries
    for (let i = 0; i < e.length; i += 2) yield [e[i], e[i + 1]]
  }

  /** A uniformly random pair (the hash must not be empty). */
  randomEntry(): [string, string] {
    if (this.lp !== null) {
      const i = 2 * Math.floor(Math.random() * (this.lp.length / 2))
      return [this.lp.get(i), this.lp.get(i + 1)]
    }
    const ht = this.ht as HashTable<string>
    const s = ht.randomSlot()
    return [ht.keyAt(s) as string, ht.valAt(s) as string]
  }

  /** Builds a hash from pairs (RDB load, RESTORE), choosing the encoding by the limits. */
  static fromPairs(pairs: readonly string[], limits: HashLimits): HashValue {
    const h = new HashValue()
    h.tryConversion(pairs, limits)
    for (let i = 0; i < pairs.length; i += 2) h.set(pairs[i], pairs[i + 1], limits)
    return h
  }

  clone(): HashValue {
    const h = new HashValue()
    h.lp = this.lp === null ? null : this.lp.clone()
    h.ht = this.ht === null ? null : this.ht.clone()
    return h
  }

  /** Estimated JS heap bytes, in O(1) from the encodings' running sums. */
  memoryUsage(): number {
    if (this.lp !== null) return HASH_BYTES + LISTPACK_BYTES + arrayBytes(this.lp.length) + this.lp.heap
    return HASH_BYTES + (this.ht as HashTable<string>).memoryUsage()
  }
}
