// The listpack encoding (listpack.c). In memory a listpack is a plain array of latin1 entry strings
// plus its exact serialized byte size, computed with Redis 7's entry-size rules so that every
// size-based threshold (quicklist node limits, safety limits) converts at Redis's boundaries.
// lpEncode/lpDecode produce and validate the real bytes for the RDB writer and reader.

import { strBytes } from './heapsize.js'

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
 */
export class Listpack {
  private items: string[]
  private head = 0
  bytes: number
  /** Running sum of the entries' JS string sizes (memory accounting, heapsize.ts). */
  heap: number

  constructor(entries: string[] = []) {
    this.items = entries
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
    this.items = a
    this.head = 0
    this.heap = heapOf(a)
  }

  get length(): number {
    return this.items.length - this.head
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
    const j = this.head + i
    this.bytes += lpEntrySize(s) - lpEntrySize(this.items[j])
    this.heap += strBytes(s) - strBytes(this.items[j])
    this.items[j] = s
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

/** The listpack bytes Redis writes for these entries. */
export function lpEncode(entries: readonly string[]): Buffer {
  const total = lpBytesOf(entries)
  const buf = Buffer.allocUnsafe(total)
  buf.writeUInt32LE(total, 0)
  buf.writeUInt16LE(entries.length < LP_HDR_NUMELE_UNKNOWN ? entries.length : LP_HDR_NUMELE_UNKNOWN, 4)
  let p = LP_HDR_SIZE
  for (const s of entries) {
    const start = p
    const v = lpEntryInt(s)
    if (v === null) {
      const len = s.length
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
      p += buf.write(s, p, 'latin1')
    } else if (typeof v === 'bigint') {
      buf[p++] = 0xf4
      buf.writeBigInt64LE(v, p)
      p += 8
    } else {
      switch (intEncodedLen(v)) {
        case 1:
          buf[p++] = v
          break
        case 2: {
          const u = v < 0 ? 8192 + v : v
          buf[p++] = 0xc0 | (u >> 8)
          buf[p++] = u & 0xff
          break
        }
        case 3:
          buf[p++] = 0xf1
          buf.writeInt16LE(v, p)
          p += 2
          break
        case 4:
          buf[p++] = 0xf2
          buf.writeIntLE(v, p, 3)
          p += 3
          break
        case 5:
          buf[p++] = 0xf3
          buf.writeInt32LE(v, p)
          p += 4
          break
        default:
          buf[p++] = 0xf4
          buf.writeBigInt64LE(BigInt(v), p)
          p += 8
      }
    }
    p = writeBacklen(buf, p, p - start)
  }
  buf[p] = 0xff
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

/** Parses and fully validates listpack bytes (lpValidateIntegrity with deep checks). */
export function lpDecode(buf: Buffer): string[] {
  if (buf.length < LP_EMPTY_BYTES) throw new ListpackError(`${buf.length} bytes is shorter than a header`, 0)
  const total = buf.readUInt32LE(0)
  if (total !== buf.length) throw new ListpackError(`header says ${total} bytes but the blob has ${buf.length}`, 0)
  if (buf[total - 1] !== 0xff) throw new ListpackError('missing the 0xFF terminator', total - 1)
  const declared = buf.readUInt16LE(4)
  const end = total - 1
  const out: string[] = []
  let p = LP_HDR_SIZE
  while (p < end) {
    const start = p
    const b = buf[p]
    const need = (n: number): void => {
      if (start + n > end) throw new ListpackError('entry runs past the end', start)
    }
    let value: string
    if (b < 0x80) {
      value = String(b)
      p += 1
    } else if (b < 0xc0) {
      const len = b & 0x3f
      need(1 + len)
      value = buf.toString('latin1', p + 1, p + 1 + len)
      p += 1 + len
    } else if (b < 0xe0) {
      need(2)
      let u = ((b & 0x1f) << 8) | buf[p + 1]
      if (u >= 4096) u -= 8192
      value = String(u)
      p += 2
    } else if (b < 0xf0) {
      need(2)
      const len = ((b & 0x0f) << 8) | buf[p + 1]
      need(2 + len)
      value = buf.toString('latin1', p + 2, p + 2 + len)
      p += 2 + len
    } else if (b === 0xf0) {
      need(5)
      const len = buf.readUInt32LE(p + 1)
      need(5 + len)
      value = buf.toString('latin1', p + 5, p + 5 + len)
      p += 5 + len
    } else if (b === 0xf1) {
      need(3)
      value = String(buf.readInt16LE(p + 1))
      p += 3
    } else if (b === 0xf2) {
      need(4)
      value = String(buf.readIntLE(p + 1, 3))
      p += 4
    } else if (b === 0xf3) {
      need(5)
      value = String(buf.readInt32LE(p + 1))
      p += 5
    } else if (b === 0xf4) {
      need(9)
      value = String(buf.readBigInt64LE(p + 1))
      p += 9
    } else {
      throw new ListpackError(`invalid entry encoding byte 0x${b.toString(16)}`, start)
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
    out.push(value)
  }
  if (declared !== LP_HDR_NUMELE_UNKNOWN && declared !== out.length) {
    throw new ListpackError(`header counts ${declared} elements but ${out.length} were found`, 4)
  }
  return out
}
