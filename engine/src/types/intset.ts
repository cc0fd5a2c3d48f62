// The intset encoding (intset.c): a sorted array of unique integers stored at the narrowest of
// 16/32/64-bit widths that fits every member, widened (never narrowed) when a larger value arrives,
// searched by bisection. intsetEncode/intsetDecode give the exact blob Redis keeps in RDB type 11.

import { TYPED_ARRAY_HEADER, objectBytes } from './heapsize.js'

/** An IntSet object (width, store, len) in JS heap bytes. */
const INTSET_BYTES = objectBytes(3)

const INT16_MIN = -32768
const INT16_MAX = 32767
const INT32_MIN = -2147483648
const INT32_MAX = 2147483647

export type IntsetWidth = 2 | 4 | 8
type Store = Int16Array | Int32Array | BigInt64Array

/** An intset member: a JS number when it is a safe integer, else a bigint (int64 range). */
export type IntValue = number | bigint

/** _intsetValueEncoding: bytes needed to hold v. */
export function intWidthOf(v: IntValue): IntsetWidth {
  if (typeof v === 'bigint') {
    if (v >= BigInt(INT16_MIN) && v <= BigInt(INT16_MAX)) return 2
    if (v >= BigInt(INT32_MIN) && v <= BigInt(INT32_MAX)) return 4
    return 8
  }
  if (v >= INT16_MIN && v <= INT16_MAX) return 2
  if (v >= INT32_MIN && v <= INT32_MAX) return 4
  return 8
}

function allocStore(width: IntsetWidth, capacity: number): Store {
  if (width === 2) return new Int16Array(capacity)
  if (width === 4) return new Int32Array(capacity)
  return new BigInt64Array(capacity)
}

/** A bigint read back from a 64-bit store, as a number when that is exact. */
function normalise(v: IntValue): IntValue {
  if (typeof v === 'number') return v
  const n = Number(v)
  return Number.isSafeInteger(n) ? n : v
}

export class IntSet {
  private width: IntsetWidth = 2
  private store: Store = new Int16Array(4)
  private len = 0

  get length(): number {
    return this.len
  }

  /** Bytes per element (the blob's `encoding` field). */
  get encodingWidth(): IntsetWidth {
    return this.width
  }

  /** Size of the intset blob: 8-byte header plus the elements. */
  /** Estimated JS heap bytes: this object and its typed array store (with spare capacity). */
  memoryUsage(): number {
    return INTSET_BYTES + TYPED_ARRAY_HEADER + this.store.byteLength
  }

  get blobBytes(): number {
    return 8 + this.len * this.width
  }

  /** The value at position i (ascending order). */
  get(i: number): IntValue {
    return normalise(this.store[i])
  }

  /**
   * intsetSearch: the position of v, or -(insertion point)-1 when absent. A value wider than the
   * current encoding cannot be present.
   */
  search(v: IntValue): number {
    if (intWidthOf(v) > this.width) return v < 0 ? -1 : -this.len - 1
    const key = this.width === 8 ? BigInt(v) : Number(v)
    const s = this.store
    let lo = 0
    let hi = this.len - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const cur = s[mid]
      if (cur < key) lo = mid + 1
      else if (cur > key) hi = mid - 1
      else return mid
    }
    return -lo - 1
  }

  has(v: IntValue): boolean {
    return this.search(v) >= 0
  }

  /** intsetAdd: false when v was already a member. Widens the encoding when v needs it. */
  add(v: IntValue): boolean {
    const need = intWidthOf(v)
    if (need > this.width) {
      this.upgrade(need)
      // A value that needs a wider encoding is beyond every current member: first or last.
      this.insertAt(v < 0 ? 0 : this.len, v)
      return true
    }
    const pos = this.search(v)
    if (pos >= 0) return false
    this.insertAt(-pos - 1, v)
    return true
  }

  /** intsetRemove: false when v was not a member. The encoding never narrows. */
  remove(v: IntValue): boolean {
    const pos = this.search(v)
    if (pos < 0) return false
    this.removeAt(pos)
    return true
  }

  removeAt(pos: number): void {
    this.store.copyWithin(pos, pos + 1, this.len)
    this.len--
  }

  *values(): IterableIterator<IntValue> {
    for (let i = 0; i < this.len; i++) yield normalise(this.store[i])
  }

  clone(): IntSet {
    const c = new IntSet()
    c.width = this.width
    c.store = this.store.slice(0, Math.max(4, this.len)) as Store
    c.len = this.len
    return c
  }

  private insertAt(pos: number, v: IntValue): void {
    if (this.len === this.store.length) this.resize(this.len * 2)
    const s = this.store
    s.copyWithin(pos + 1, pos, this.len)
    if (this.width === 8) (s as BigInt64Array)[pos] = BigInt(v)
    else (s as Int16Array | Int32Array)[pos] = Number(v)
    this.len++
  }

  private resize(capacity: number): void {
    const next = allocStore(this.width, capacity)
    if (this.width === 8) (next as BigInt64Array).set((this.store as BigInt64Array).subarray(0, this.len))
    else (next as Int16Array | Int32Array).set((this.store as Int16Array | Int32Array).subarray(0, this.len))
    this.store = next
  }

  /** intsetUpgradeAndAdd's first half: re-store every member at the wider width. */
  private upgrade(width: IntsetWidth): void {
    const next = allocStore(width, Math.max(4, this.len * 2))
    for (let i = 0; i < this.len; i++) {
      if (width === 8) (next as BigInt64Array)[i] = BigInt(this.store[i])
      else (next as Int32Array)[i] = Number(this.store[i])
    }
    this.width = width
    this.store = next
  }

  /** The raw intset bytes (u32 LE width, u32 LE count, members LE) as RDB type 11 stores them. */
  encode(): Buffer {
    const buf = Buffer.alloc(this.blobBytes)
    buf.writeUInt32LE(this.width, 0)
    buf.writeUInt32LE(this.len, 4)
    let p = 8
    for (let i = 0; i < this.len; i++) {
      const v = this.store[i]
      if (this.width === 2) buf.writeInt16LE(v as number, p)
      else if (this.width === 4) buf.writeInt32LE(v as number, p)
      else buf.writeBigInt64LE(v as bigint, p)
      p += this.width
    }
    return buf
  }

  /** Parses and validates an intset blob (intsetValidateIntegrity with the deep order check). */
  static decode(buf: Buffer): IntSet {
    if (buf.length < 8) throw new IntsetError(`${buf.length} bytes is shorter than the header`, 0)
    const width = buf.readUInt32LE(0)
    if (width !== 2 && width !== 4 && width !== 8) throw new IntsetError(`invalid encoding ${width}`, 0)
    const count = buf.readUInt32LE(4)
    if (count === 0) throw new IntsetError('empty intset', 4)
    if (buf.length !== 8 + count * width) {
      throw new IntsetError(
        `${count} elements of ${width} bytes need ${8 + count * width} bytes, blob has ${buf.length}`,
        4,
      )
    }
    const s = new IntSet()
    s.width = width
    s.store = allocStore(width, Math.max(4, count))
    for (let i = 0; i < count; i++) {
      const p = 8 + i * width
      const v = width === 2 ? buf.readInt16LE(p) : width === 4 ? buf.readInt32LE(p) : buf.readBigInt64LE(p)
      if (i > 0 && !(v > s.store[i - 1])) throw new IntsetError('elements are not strictly ascending', p)
      if (width === 8) (s.store as BigInt64Array)[i] = v as bigint
      else (s.store as Int16Array | Int32Array)[i] = v as number
    }
    s.len = count
    return s
  }
}

/** A corrupt intset blob, with the byte offset where validation failed. */
export class IntsetError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`invalid intset at offset ${offset}: ${message}`)
  }
}

export function intsetEncode(s: IntSet): Buffer {
  return s.encode()
}

export function intsetDecode(buf: Buffer): IntSet {
  return IntSet.decode(buf)
}
