// One numbered database (db.c): key lookup with lazy expiry, the single choke point through which
// every key write, expiry change and deletion passes, and TTL bookkeeping.

import { Dict } from './dict.js'
import type { Value } from '../types/value.js'
import type { MemoryTotals } from './accounting.js'

/** What the keyspace needs from the server around it: time, stats, notifications, propagation. */
export interface KeyspaceContext {
  /** The time fixed at the start of the current command (ms), as Redis's mstime cache. */
  now(): number
  /** LRU clock (or LFU stamp) to store for a key just accessed. */
  accessStamp(dict: Dict, slot: number): number
  /** True while loading data or on a paused-writes server: nothing expires then. */
  expiryPaused(): boolean
  /** A key expired lazily or actively: count, notify `expired`, propagate DEL. */
  keyExpired(db: Db, key: string): void
  /** A key's value changed (WATCH invalidation, client-side caching). */
  keyModified(db: Db, key: string): void
  /** Keyspace hit/miss accounting for read lookups. */
  countLookup(hit: boolean): void
  /** notifyKeyspaceEvent: here for the `new` (n) and `keymiss` (m) events the db itself raises. */
  notify(cls: string, event: string, key: string, dbId: number): void
}

export class Db {
  dict = new Dict()

  constructor(
    readonly id: number,
    private readonly ctx: KeyspaceContext,
    /** The memory totals of the keyspace this db belongs to: its table is counted there. */
    readonly totals: MemoryTotals,
  ) {
    totals.attach(this.dict)
  }

  get size(): number {
    return this.dict.size
  }

  /** Slot of a live key (deleting it first if it has expired), or -1. Does not touch LRU. */
  find(key: string): number {
    const d = this.dict
    const slot = d.slotOf(key)
    if (slot < 0) return -1
    const when = d.expires[slot]
    if (when !== 0 && this.ctx.now() > when && !this.ctx.expiryPaused()) {
      this.expireSlot(slot)
      return -1
    }
    return slot
  }

  /** True if key exists and is logically expired (without deleting it). */
  isExpired(slot: number): boolean {
    const when = this.dict.expires[slot]
    return when !== 0 && this.ctx.now() > when
  }

  /** lookupKeyRead: the value, touching LRU/LFU and counting a hit or a miss. */
  lookupRead(key: string): Value | undefined {
    const slot = this.findCounted(key)
    if (slot < 0) return undefined
    this.dict.lru[slot] = this.ctx.accessStamp(this.dict, slot)
    return this.dict.vals[slot]
  }

  /** lookupKeyRead with LOOKUP_NOTOUCH (EXISTS, TYPE, TTL, OBJECT): the live slot or -1, counted as a hit or miss. */
  findCounted(key: string): number {
    const slot = this.find(key)
    this.ctx.countLookup(slot >= 0)
    if (slot < 0) this.ctx.notify('m', 'keymiss', key, this.id)
    return slot
  }

  /** lookupKeyWrite for commands that change only a key's TTL or place (EXPIRE, RENAME, MOVE): the live slot or -1, LRU touched. */
  findForWrite(key: string): number {
    const slot = this.find(key)
    if (slot >= 0) this.dict.lru[slot] = this.ctx.accessStamp(this.dict, slot)
    return slot
  }

  /** Like lookupRead without stats or LRU changes (TYPE-free internal peeks, OBJECT, DEBUG). */
  peek(key: string): Value | undefined {
    const slot = this.find(key)
    return slot < 0 ? undefined : this.dict.vals[slot]
  }

  /**
   * lookupKeyWrite: the value about to be changed in place. Runs the pre-write hook, so callers
   * may mutate the returned collection, and must call modified() afterwards.
   */
  lookupWrite(key: string): Value | undefined {
    const slot = this.lookupWriteSlot(key)
    return slot < 0 ? undefined : this.dict.vals[slot]
  }

  /** lookupWrite returning the slot (-1 when absent), so the value can be swapped with replaceAt. */
  lookupWriteSlot(key: string): number {
    const slot = this.find(key)
    if (slot < 0) return -1
    this.dict.willWrite(slot)
    this.dict.lru[slot] = this.ctx.accessStamp(this.dict, slot)
    this.dict.touch(slot)
    return slot
  }

  /** Signals that key changed (after an in-place mutation or any write). */
  modified(key: string): void {
    this.ctx.keyModified(this, key)
  }

  /** dbAdd: key must not exist. */
  add(key: string, val: Value): number {
    const slot = this.dict.insert(key, val, this.ctx.accessStamp(this.dict, -1))
    this.ctx.keyModified(this, key)
    this.ctx.notify('n', 'new', key, this.id)
    return slot
  }

  /**
   * setKey: creates or overwrites key with val. The TTL is dropped unless keepTtl. Returns the
   * slot. Every whole-value write goes through here.
   */
  set(key: string, val: Value, keepTtl = false): number {
    const d = this.dict
    let slot = this.find(key)
    if (slot < 0) {
      slot = d.insert(key, val, this.ctx.accessStamp(d, -1))
      this.ctx.notify('n', 'new', key, this.id)
    } else {
      d.willWrite(slot)
      d.vals[slot] = val
      d.flags[slot] = 0
      d.touch(slot)
      if (!keepTtl) d.clearExpire(slot)
    }
    this.ctx.keyModified(this, key)
    return slot
  }

  /** Replaces the value in an existing slot (after lookupWrite), keeping its TTL. */
  replaceAt(slot: number, val: Value): void {
    this.dict.vals[slot] = val
    this.dict.touch(slot)
  }

  /** Deletes key if present (live or expired). Returns true if a live key was deleted. */
  delete(key: string): boolean {
    const slot = this.find(key)
    if (slot < 0) return false
    this.dict.willWrite(slot)
    this.dict.removeSlot(slot)
    this.ctx.keyModified(this, key)
    return true
  }

  /** Deletes the key in slot whatever its TTL (eviction: the caller counts and propagates it; see Dict.removeSlot for bucket). */
  removeAt(slot: number, bucket = -1): void {
    const key = this.dict.keys[slot] as string
    this.dict.willWrite(slot)
    this.dict.removeSlot(slot, bucket)
    this.ctx.keyModified(this, key)
  }

  /** Deletes the key in slot because its TTL passed. */
  expireSlot(slot: number): void {
    const key = this.dict.keys[slot] as string
    this.dict.willWrite(slot)
    this.dict.removeSlot(slot)
    this.ctx.keyExpired(this, key)
    this.ctx.keyModified(this, key)
  }

  /** Absolute expiry in ms of a live key, 0 when it has none, -1 when it does not exist. */
  getExpire(key: string): number {
    const slot = this.find(key)
    if (slot < 0) return -1
    return this.dict.expires[slot]
  }

  setExpire(slot: number, when: number): void {
    this.dict.willWrite(slot)
    this.dict.setExpire(slot, when)
  }

  /** PERSIST: drops the TTL; false when there was none. */
  persist(slot: number): boolean {
    if (this.dict.expires[slot] === 0) return false
    this.dict.willWrite(slot)
    this.dict.clearExpire(slot)
    return true
  }

  /**
   * Replaces the whole table (FLUSHDB, a load): a running snapshot keeps the old Dict object, which
   * no longer counts in used_memory.
   */
  replaceDict(d: Dict): Dict {
    const old = this.dict
    this.totals.detach(old)
    this.totals.attach(d)
    this.dict = d
    return old
  }

  /** SWAPDB: the two dbs exchange their tables, which both stay in the keyspace's totals. */
  swapDict(other: Db): void {
    const d = this.dict
    this.dict = other.dict
    other.dict = d
  }
}
