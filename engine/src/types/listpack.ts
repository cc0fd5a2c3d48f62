// The listpack encoding (listpack.c). In memory a listpack is a plain array of latin1 entry strings
// plus its exact serialized byte size, computed with Redis 7's entry-size rules so that every
// size-based threshold (quicklist node limits, safety limits) converts at Redis's boundaries.
// lpEncode/lpDecode produce and validate the real bytes for the RDB writer and reader.

import { strBytes, strBytesOfLength } from './heapsize.js'

/** Header (u32 total bytes + u16 element count) and the 0xFF terminator. */
export const LP_HDR_SIZE = 6
export const LP_EOF_SIZE = 1
/** An empty listpack's size. */
export const LP_EMPTY_BYTES = LP_HDR_SIZE + LP_EOF_SIZE
/** Element count stored in the header when the real count does not fit in 16 bits. */
const LP_HDR_NUMELE_UNKNOWN = 65535
/** lpSafeToAdd: Redis refuses to grow a listpack past 1 GB. */
export const LP_SAFETY_SIZE = 1 << 30

const I64_MIN = -9223372036854775808n
const I64_MAX = 9223372036854775807n

/**
 * lpStringToInt64: the integer an entry is stored as, or null when it is stored as a string.
 * Canonical int64 text only (1..20 chars, optional '-', no leading zeros, no '+', no "-0").
 * Values outside the safe-integer range come back as bigint.
 */
export function lpEntryInt(s: string): number | bigint | null {
  const len = s.length
  if (len === 0 || len > 20) return null
  let i = 0
  if (s.charCodeAt(0) === 45) {
    if (len === 1) return null
    i = 1
  }
  const first = s.charCodeAt(i)
  if (first === 48) return len === 1 ? 0 : null
  if (first < 49 || first > 57) return null
  for (let j = i + 1; j < len; j++) {
    const c = s.charCodeAt(j)
    if (c < 48 || c > 57) return null
  }
  if (len < 16) return Number(s)
  const b = BigInt(s)
  if (b > I64_MAX || b < I64_MIN) return null
  const n = Number(b)
  return Number.isSafeInteger(n) ? n : b
}

/** Bytes of the encoding+data part of an integer entry (7/13/16/24/32/64-bit forms). */
function intEncodedLen(v: number | bigint): number {
  if (typeof v === 'bigint') return 9
  if (v >= 0 && v <= 127) return 1
  if (v >= -4096 && v <= 4095) return 2
  if (v >= -32768 && v <= 32767) return 3
  if (v >= -8388608 && v <= 8388607) return 4
  if (v >= -2147483648 && v <= 2147483647) return 5
  return 9
}

/** Bytes of the encoding+data part of a string entry (6/12/32-bit length headers). */
function strEncodedLen(len: number): number {
  if (len < 64) return 1 + len
  if (len < 4096) return 2 + len
  return 5 + len
}

/** lpEncodeBacklen's size: note the asymmetric bounds (16383 takes 3 bytes). */
export function lpBacklenSize(l: number): number {
  if (l <= 127) return 1
  if (l < 16383) return 2
  if (l < 2097151) return 3
  if (l < 268435455) return 4
  return 5
}

/** The encoding+data length of an entry, without its backlen. */
function encodedLen(entry: string): number {
  const v = lpEntryInt(entry)
  return v === null ? strEncodedLen(entry.length) : intEncodedLen(v)
}

/** Total bytes one entry occupies in a listpack: encoding, data and backlen. */
export function lpEntrySize(entry: string): number {
  const l = encodedLen(entry)
  return l + lpBacklenSize(l)
}

/** Serialized size of a listpack holding these entries. */
export function lpBytesOf(entries: readonly string[]): number {
  let n = LP_EMPTY_BYTES
  for (let i = 0; i < entries.length; i++) n += lpEntrySize(entries[i])
  return n
}

/**
 * A listpack in memory: entries plus the running byte size Redis's lpBytes() would report. All
 * mutations go through these methods so `bytes` stays exact. The entries live in `items` from
 * index `head` on: free slots before `head` make unshift and shift O(1) (LPUSH/LPOP on a node
 * of ~1600 entries would otherwise move the whole array each time).
 *
 * A listpack loaded from an RDB may stay as its validated bytes (fromBlob) until an entry is first
 * needed, as Redis keeps listpacks as blobs: a load then builds no entry strings at all, and a
 * save of an untouched one writes the bytes back as they came.
 */
export class Listpack {
  private list: string[]
  private raw: Buffer | null = null
  private rawCount = 0
  private head = 0
  bytes: number
  /** Running sum of the entries' JS string sizes (memory accounting, heapsize.ts), also while a blob. */
  heap: number

  constructor(entries: string[] = []) {
    this.list = entries
    this.bytes = lpBytesOf(entries)
    this.heap = heapOf(entries)
  }

  /**
   * A listpack kept as bytes that lpWalk validated: count entries whose decoded strings will take
   * `heap` bytes. The buffer must not change afterwards (clones share it).
   */
  static fromBlob(buf: Buffer, count: number, heap: number): Listpack {
    const lp = new Listpack()
    lp.raw = buf
    lp.rawCount = count
    lp.bytes = buf.length
    lp.heap = heap
    return lp
  }

  /**
   * The listpack's bytes: the blob it was loaded as, or its entries encoded into a scratch buffer
   * that stays valid only until the next call (the RDB writer copies them at once).
   */
  serialized(): Buffer {
    return this.raw ?? lpEncodeTemp(this.entries, this.bytes)
  }

  private get items(): string[] {
    if (this.raw !== null) this.inflate()
    return this.list
  }

  private set items(a: string[]) {
    this.list = a
  }

  /** Decodes the blob into entry strings (it was validated when adopted). */
  private inflate(): void {
    const entries = lpDecode(this.raw as Buffer)
    this.raw = null
    this.list = entries
    this.bytes = lpBytesOf(entries)
    this.heap = heapOf(entries)
  }

  /** The entries as one dense array (compacts the free front slots first). */
  get entries(): string[] {
    if (this.head > 0) this.compact()
    return this.items
  }

  /** Drops the free front slots (a node that stops being the list head no longer needs them). */
  compact(): void {
    this.items = this.items.slice(this.head)
    this.head = 0
  }

  /** Adopts an array of entries as they are (the caller keeps `bytes` right). */
  set entries(a: string[]) {
    this.raw = null
    this.items = a
    this.head = 0
    this.heap = heapOf(a)
  }

  get length(): number {
    return this.raw !== null ? this.rawCount : this.list.length - this.head
  }

  get(i: number): string {
    return this.items[this.head + i]
  }

  push(s: string): void {
    this.items.push(s)
    this.bytes += lpEntrySize(s)
    this.heap += strBytes(s)
  }

  unshift(s: string): void {
    if (this.head === 0) {
      // Make room in front, as much as the node holds, so the next unshifts are O(1).
      const n = this.items.length
      const room = Math.max(8, n)
      const a = new Array<string>(room + n)
      for (let i = 0; i < n; i++) a[room + i] = this.items[i]
      this.items = a
      this.head = room
    }
    this.items[--this.head] = s
    this.bytes += lpEntrySize(s)
    this.heap += strBytes(s)
  }

  /** Inserts s so that it becomes entry i. */
  insert(i: number, s: string): void {
    if (i === 0) this.unshift(s)
    else if (i === this.length) this.push(s)
    else {
      this.items.splice(this.head + i, 0, s)
      this.bytes += lpEntrySize(s)
      this.heap += strBytes(s)
    }
  }

  set(i: number, s: string): void {
    // Read items first: a blob inflates there and recomputes bytes and heap.
    const items = this.items
    const j = this.head + i
    this.bytes += lpEntrySize(s) - lpEntrySize(items[j])
    this.heap += strBytes(s) - strBytes(items[j])
    items[j] = s
  }

  pop(): string {
    const s = this.items.pop() as string
    this.bytes -= lpEntrySize(s)
    this.heap -= strBytes(s)
    if (this.items.length === this.head) this.entries = []
    return s
  }

  shift(): string {
    const s = this.items[this.head]
    // Free the slot (the string may be large); compact once the free front outgrows the entries.
    ;(this.items as (string | undefined)[])[this.head++] = undefined
    this.bytes -= lpEntrySize(s)
    this.heap -= strBytes(s)
    if (this.head >= 32 && this.head > this.length) this.compact()
    return s
  }

  /** Removes n entries starting at i and returns them. */
  remove(i: number, n = 1): string[] {
    const out = this.items.splice(this.head + i, n)
    for (const s of out) {
      this.bytes -= lpEntrySize(s)
      this.heap -= strBytes(s)
    }
    return out
  }

  /** Index of the first entry equal to s at or after `from` stepping by `step`, or -1. */
  find(s: string, from = 0, step = 1): number {
    const e = this.items
    for (let i = this.head + from; i < e.length; i += step) if (e[i] === s) return i - this.head
    return -1
  }

  clone(): Listpack {
    if (this.raw !== null) return Listpack.fromBlob(this.raw, this.rawCount, this.heap)
    const lp = new Listpack()
    lp.items = this.items.slice(this.head)
    lp.bytes = this.bytes
    lp.heap = this.heap
    return lp
  }
}

function heapOf(entries: readonly string[]): number {
  let n = 0
  for (let i = 0; i < entries.length; i++) n += strBytes(entries[i])
  return n
}

/**
 * The listpack bytes Redis writes for these entries. `size` is the listpack's tracked byte size
 * when the caller has one (it saves a pass over the entries); a size that turns out wrong only
 * costs a second, exact pass.
 */
export function lpEncode(entries: readonly string[], size?: number): Buffer {
  return encodeSized(entries, size, (n) => Buffer.allocUnsafe(n))
}

let scratch = Buffer.allocUnsafeSlow(0)

/**
 * lpEncode into a shared scratch buffer, for a caller that copies the bytes at once (the RDB
 * writer): the view is valid only until the next call, and a snapshot allocates nothing per key.
 */
export function lpEncodeTemp(entries: readonly string[], size?: number): Buffer {
  return encodeSized(entries, size, scratchOf)
}

/** The first n bytes of the scratch buffer, grown as needed. */
function scratchOf(n: number): Buffer {
  if (scratch.length < n) scratch = Buffer.allocUnsafeSlow(Math.max(n, 2 * scratch.length, 64 * 1024))
  return scratch.subarray(0, n)
}

function encodeSized(entries: readonly string[], size: number | undefined, alloc: (n: number) => Buffer): Buffer {
  const buf = alloc(size ?? lpBytesOf(entries))
  if (encodeInto(buf, entries)) return buf
  if (size === undefined) throw new Error('listpack size mismatch')
  return encodeSized(entries, undefined, alloc)
}

/** Writes the listpack into buf; false when buf is not exactly its size (nothing past buf is touched). */
function encodeInto(buf: Buffer, entries: readonly string[]): boolean {
  const w = writer.start(buf)
  for (let i = 0; i < entries.length; i++) w.entry(entries[i])
  return w.finish(entries.length)
}

/**
 * Writes entries one by one into a buffer that must be exactly the listpack's size; an entry that
 * would not fit marks the write failed instead of touching anything past the buffer.
 */
export class LpWriter {
  private buf: Buffer = Buffer.alloc(0)
  private p = 0
  private ok = true
  /** Only counting bytes (measure()): nothing is written. */
  private counting = false

  start(buf: Buffer): this {
    this.buf = buf
    this.p = LP_HDR_SIZE
    this.ok = buf.length >= LP_EMPTY_BYTES
    this.counting = false
    return this
  }

  /** Starts a pass that only counts: size() is then the listpack's exact size. */
  measure(): this {
    this.p = LP_HDR_SIZE
    this.ok = true
    this.counting = true
    return this
  }

  size(): number {
    return this.p + LP_EOF_SIZE
  }

  /** A string entry, stored as an integer when it is canonical int64 text (lpStringToInt64). */
  entry(s: string): void {
    const v = lpEntryInt(s)
    if (v !== null) this.int(v)
    else this.text(s)
  }

  /** An integer entry (the 7/13/16/24/32/64-bit forms). */
  int(v: number | bigint): void {
    const l = intEncodedLen(v)
    if (!this.fits(l)) return
    const buf = this.buf
    let p = this.p
    const start = p
    if (typeof v === 'bigint' || l === 9) {
      buf[p++] = 0xf4
      buf.writeBigInt64LE(BigInt(v), p)
      p += 8
    } else if (l === 1) {
      buf[p++] = v
    } else if (l === 2) {
      const u = v < 0 ? 8192 + v : v
      buf[p++] = 0xc0 | (u >> 8)
      buf[p++] = u & 0xff
    } else if (l === 3) {
      buf[p++] = 0xf1
      buf.writeInt16LE(v, p)
      p += 2
    } else if (l === 4) {
      buf[p++] = 0xf2
      buf.writeIntLE(v, p, 3)
      p += 3
    } else {
      buf[p++] = 0xf3
      buf.writeInt32LE(v, p)
      p += 4
    }
    this.p = writeBacklen(buf, p, p - start)
  }

  /** A string entry from bytes (the caller knows they are not canonical integer text). */
  bytes(b: Uint8Array, len: number): void {
    if (!this.fits(strEncodedLen(len))) return
    let p = this.header(len)
    for (let k = 0; k < len; k++) this.buf[p++] = b[k]
    this.p = writeBacklen(this.buf, p, p - this.p)
  }

  /** Writes a string entry's header at p; returns where its bytes go. */
  private header(len: number): number {
    const buf = this.buf
    let p = this.p
    if (len < 64) {
      buf[p++] = 0x80 | len
    } else if (len < 4096) {
      buf[p++] = 0xe0 | (len >> 8)
      buf[p++] = len & 0xff
    } else {
      buf[p++] = 0xf0
      buf.writeUInt32LE(len, p)
      p += 4
    }
    return p
  }

  private text(s: string): void {
    const len = s.length
    if (!this.fits(strEncodedLen(len))) return
    const buf = this.buf
    const start = this.p
    let p = this.header(len)
    if (len <= 32) {
      // A byte loop beats Buffer#write's call overhead for the many short entries.
      for (let k = 0; k < len; k++) buf[p++] = s.charCodeAt(k)
    } else {
      p += buf.latin1Write(s, p, len)
    }
    this.p = writeBacklen(buf, p, p - start)
  }

  /** Whether an entry of encoded length l (plus its backlen) fits before the terminator. */
  private fits(l: number): boolean {
    if (this.counting) {
      this.p += l + lpBacklenSize(l)
      return false
    }
    if (this.ok && this.p + l + lpBacklenSize(l) < this.buf.length) return true
    this.ok = false
    return false
  }

  /** Writes the header and terminator; false when the entries did not fill the buffer exactly. */
  finish(count: number): boolean {
    const buf = this.buf
    if (!this.ok || this.p !== buf.length - 1) return false
    buf.writeUInt32LE(buf.length, 0)
    buf.writeUInt16LE(count < LP_HDR_NUMELE_UNKNOWN ? count : LP_HDR_NUMELE_UNKNOWN, 4)
    buf[this.p] = 0xff
    return true
  }
}

const writer = new LpWriter()

/**
 * A listpack of `count` entries written by fill into the shared scratch buffer (as lpEncodeTemp),
 * for callers that produce entries without an array of them. `size` is the expected size; a wrong
 * one only costs a counting pass and a second write.
 */
export function lpEncodeTempWith(size: number, count: number, fill: (w: LpWriter) => void): Buffer {
  let buf = scratchOf(size)
  fill(writer.start(buf))
  if (writer.finish(count)) return buf
  fill(writer.measure())
  buf = scratchOf(writer.size())
  fill(writer.start(buf))
  if (!writer.finish(count)) throw new Error('listpack size mismatch')
  return buf
}

function writeBacklen(buf: Buffer, p: number, l: number): number {
  const n = lpBacklenSize(l)
  // Most significant 7-bit group first (bit 7 clear); every later byte has bit 7 set.
  for (let k = n - 1; k >= 0; k--) {
    const group = Math.floor(l / 2 ** (7 * k)) & 127
    buf[p++] = k === n - 1 ? group : group | 128
  }
  return p
}

/** A corrupt listpack blob, with the byte offset where decoding failed. */
export class ListpackError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`invalid listpack at offset ${offset}: ${message}`)
  }
}

/**
 * Below this length V8 copies a substring instead of making a slice that keeps its parent alive
 * (SlicedString::kMinLength): short entries are cut from one decoded string of the whole blob,
 * which is far cheaper than a native latin1Slice call each; longer ones get their own copy so a
 * loaded collection does not pin its RDB blob.
 */
const SHORT_ENTRY = 13

/**
 * Called by lpWalk for entry i: a string entry is buf[from, from + len) with int null; an integer
 * entry has from = -1 and its value in int.
 */
export type LpVisitor = (i: number, from: number, len: number, int: number | bigint | null) => void

/**
 * Validates listpack bytes entry by entry as lpValidateIntegrity does with deep checks (encodings,
 * lengths, backlens, the terminator and the header's count), handing each entry to visit without
 * building a string. Returns the entry count.
 */
export function lpWalk(buf: Buffer, visit: LpVisitor): number {
  if (buf.length < LP_EMPTY_BYTES) throw new ListpackError(`${buf.length} bytes is shorter than a header`, 0)
  const total = buf.readUInt32LE(0)
  if (total !== buf.length) throw new ListpackError(`header says ${total} bytes but the blob has ${buf.length}`, 0)
  if (buf[total - 1] !== 0xff) throw new ListpackError('missing the 0xFF terminator', total - 1)
  const declared = buf.readUInt16LE(4)
  const end = total - 1
  let n = 0
  let p = LP_HDR_SIZE
  while (p < end) {
    const start = p
    const b = buf[p]
    let int: number | bigint | null = null
    let from = -1
    let len = 0
    if (b < 0x80) {
      int = b
      p += 1
    } else if (b < 0xc0) {
      len = b & 0x3f
      from = p + 1
    } else if (b < 0xe0) {
      if (start + 2 > end) throw runsPast(start)
      const u = ((b & 0x1f) << 8) | buf[p + 1]
      int = u >= 4096 ? u - 8192 : u
      p += 2
    } else if (b < 0xf0) {
      if (start + 2 > end) throw runsPast(start)
      len = ((b & 0x0f) << 8) | buf[p + 1]
      from = p + 2
    } else if (b === 0xf0) {
      if (start + 5 > end) throw runsPast(start)
      len = buf.readUInt32LE(p + 1)
      from = p + 5
    } else if (b === 0xf1) {
      if (start + 3 > end) throw runsPast(start)
      int = buf.readInt16LE(p + 1)
      p += 3
    } else if (b === 0xf2) {
      if (start + 4 > end) throw runsPast(start)
      int = buf.readIntLE(p + 1, 3)
      p += 4
    } else if (b === 0xf3) {
      if (start + 5 > end) throw runsPast(start)
      int = buf.readInt32LE(p + 1)
      p += 5
    } else if (b === 0xf4) {
      if (start + 9 > end) throw runsPast(start)
      const big = buf.readBigInt64LE(p + 1)
      const small = Number(big)
      int = Number.isSafeInteger(small) ? small : big
      p += 9
    } else {
      throw new ListpackError(`invalid entry encoding byte 0x${b.toString(16)}`, start)
    }
    if (from >= 0) {
      p = from + len
      if (p > end) throw runsPast(start)
    }
    const l = p - start
    const bl = lpBacklenSize(l)
    if (p + bl > end) throw new ListpackError('backlen runs past the end', p)
    let stored = 0
    for (let k = 0; k < bl; k++) {
      const byte = buf[p + k]
      if ((k === 0) !== byte < 128) throw new ListpackError('malformed backlen', p + k)
      stored = stored * 128 + (byte & 127)
    }
    if (stored !== l) throw new ListpackError(`backlen ${stored} does not match the entry length ${l}`, p)
    p += bl
    visit(n++, from, len, int)
  }
  if (declared !== LP_HDR_NUMELE_UNKNOWN && declared !== n) {
    throw new ListpackError(`header counts ${declared} elements but ${n} were found`, 4)
  }
  return n
}

/** Parses and fully validates listpack bytes (lpValidateIntegrity with deep checks). */
export function lpDecode(buf: Buffer): string[] {
  const declared = buf.length >= LP_EMPTY_BYTES ? buf.readUInt16LE(4) : 0
  const out: string[] = declared !== LP_HDR_NUMELE_UNKNOWN ? new Array<string>(declared) : []
  let text = ''
  lpWalk(buf, (i, from, len, int) => {
    let value: string
    if (from < 0) value = String(int)
    else if (len < SHORT_ENTRY) {
      if (text === '') text = buf.latin1Slice(0, buf.length - 1)
      value = text.slice(from, from + len)
    } else value = buf.latin1Slice(from, from + len)
    if (i < out.length) out[i] = value
    else out.push(value)
  })
  return out
}

/** Digits (and sign) of an integer entry's text, the length its decoded string will have. */
function intTextLength(v: number | bigint): number {
  if (typeof v === 'bigint') return v.toString().length
  let n = v < 0 ? 2 : 1
  for (let a = Math.abs(v); a >= 10; a = Math.floor(a / 10)) n++
  return n
}

/** strBytes of the string a walked entry decodes to. */
export function lpEntryHeap(from: number, len: number, int: number | bigint | null): number {
  return strBytesOfLength(from < 0 ? intTextLength(int as number | bigint) : len)
}

function runsPast(start: number): ListpackError {
  return new ListpackError('entry runs past the end', start)
}
