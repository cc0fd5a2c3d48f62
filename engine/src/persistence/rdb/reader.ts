// The RDB reader (rdbLoadRioWithLoadingCtx / rdbLoadObject): a pull parser over a synchronous
// byte source that keeps only a window of the file in memory, verifies the CRC-64 footer as it
// goes, and turns every record into an event. Values come out as plain arrays (RdbValue): the
// loader builds engine values from them with our own encoding thresholds, as Redis does, and the
// check tool only counts them. Reads every type Redis 7.0 writes, the older ziplist, zipmap,
// quicklist-of-ziplists and plain encodings, and 7.2's set listpacks.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { Crc64 } from './crc64.js'
import { LzfError, lzfDecompress } from './lzf.js'
import { BlobError, ziplistDecode, zipmapDecode } from './ziplist.js'
import { ListpackError, lpDecode } from '../../types/listpack.js'
import { IntsetError, intsetDecode } from '../../types/intset.js'
import { parseScore } from '../../types/zset.js'
import { printable } from '../../util/printable.js'
import { latin1Of } from '../../util/latin1.js'
import { AdoptError, BlobKind, adoptBlob, type LpBlob } from './adopt.js'
import * as K from './constants.js'
import { quicklistContainer, skimValue } from './skim.js'

/** A corrupt or unsupported file: the message names what failed and the byte offset. */
export class RdbError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} (at offset ${offset})`)
  }
}

/** Where bytes come from: a file descriptor or a buffer, read synchronously. */
export interface ByteSource {
  /** Reads up to len bytes into buf at off; 0 means end of input. */
  read(buf: Buffer, off: number, len: number): number
}

export class FileSource implements ByteSource {
  private readonly fd: number
  private pos = 0
  /** The file's size when opened. */
  readonly size: number

  constructor(path: string) {
    this.fd = openSync(path, 'r')
    this.size = fstatSync(this.fd).size
  }

  read(buf: Buffer, off: number, len: number): number {
    const n = readSync(this.fd, buf, off, len, this.pos)
    this.pos += n
    return n
  }

  /** Reads from the start again. */
  rewind(): void {
    this.pos = 0
  }

  close(): void {
    closeSync(this.fd)
  }
}

export class BufferSource implements ByteSource {
  private pos = 0
  constructor(private readonly data: Uint8Array) {}

  read(buf: Buffer, off: number, len: number): number {
    const n = Math.min(len, this.data.length - this.pos)
    buf.set(this.data.subarray(this.pos, this.pos + n), off)
    this.pos += n
    return n
  }
}

export type RdbValue =
  | { type: 'string'; value: string }
  /**
   * `nodes` as stored (one for plain and ziplist lists); `nodeBytes` are the listpack sizes when
   * every node was a packed listpack (QUICKLIST_2), so the loader can adopt them as they are.
   * With ParseOptions.blobs a QUICKLIST_2 list comes as `blobs` instead, and hash and zset
   * listpacks as `blob` (their entry arrays then stay empty).
   */
  | { type: 'list'; nodes: string[][]; nodeBytes: number[] | null; blobs?: LpBlob[] }
  | { type: 'set'; members: string[] }
  /** Flattened field, value, field, value...; `listpackBytes` when stored as a listpack (type 16). */
  | { type: 'hash'; pairs: string[]; listpackBytes?: number; blob?: LpBlob }
  /**
   * `listpack`: the stored (member, score text) entries of a ziplist/listpack zset, in file order;
   * `listpackBytes` when stored as a listpack (type 17).
   */
  | { type: 'zset'; members: string[]; scores: number[]; listpack?: string[]; listpackBytes?: number; blob?: LpBlob }

/** Elements in a decoded value (a string counts as 1). */
export function rdbValueLength(v: RdbValue): number {
  switch (v.type) {
    case 'string':
      return 1
    case 'list':
      return v.nodes.reduce((n, node) => n + node.length, 0) + (v.blobs?.reduce((n, b) => n + b.count, 0) ?? 0)
    case 'set':
      return v.members.length
    case 'zset':
      return v.blob?.count ?? v.members.length
    case 'hash':
      return v.blob?.count ?? v.pairs.length / 2
  }
}

export type RdbEvent =
  | { kind: 'aux'; key: string; value: string }
  | { kind: 'selectdb'; db: number }
  | { kind: 'resizedb'; db: number; size: number; expires: number }
  | { kind: 'function'; code: string }
  | { kind: 'module-aux'; moduleId: string }
  | {
      kind: 'key'
      db: number
      key: string
      /** The RDB type byte the value was stored with. */
      rdbType: number
      value: RdbValue
      /** Absolute unix ms, 0 for none. */
      expireAt: number
      /** LRU idle seconds, -1 when absent. */
      idle: number
      /** LFU counter, -1 when absent. */
      freq: number
      /** Offset of the record's first byte. */
      offset: number
    }
  | { kind: 'eof'; checksum: 'ok' | 'disabled' | 'unchecked' | 'absent'; crc: string }

const WINDOW = 1 << 20

/** Where consumed bytes go for the footer check: a Crc64 here, or a worker's (blob-offload.ts). */
export interface CrcSink {
  update(buf: Uint8Array, start: number, end: number): unknown
  /** The CRC of everything passed to update. */
  result(): Crc64
}

/** How readValue takes a listpack it keeps as bytes (ParseOptions.blobs). */
export interface BlobAdopter {
  /** The blob at the input's position, valid as `kind`: now, or (count -1 until then) once settled. */
  adopt(inp: RdbInput, kind: BlobKind, at: number): LpBlob
  /** Makes every blob adopted so far usable. */
  settle(): void
}

/** Adopts each blob as it is read, in this thread. */
export const adoptInThread: BlobAdopter = {
  adopt(inp, kind, at) {
    const start = inp.offset
    const b = inp.blob()
    try {
      return adoptBlob(kind, b)
    } catch (e) {
      if (e instanceof ListpackError) inp.fail(`corrupt listpack: ${e.message}`, start)
      if (e instanceof AdoptError) inp.fail(e.message, at)
      throw e
    }
  },
  settle() {},
}

/** Buffered, offset-tracking input with a running CRC over every consumed byte. */
export class RdbInput {
  private buf: Buffer
  private pos = 0
  private end = 0
  /** File offset of buf[0]. */
  private base = 0
  /** Start of the bytes in buf not yet folded into the CRC. */
  private crcFrom = 0
  private eof = false

  constructor(
    private readonly src: ByteSource,
    windowSize = WINDOW,
    private readonly crc: CrcSink = new Crc64(),
  ) {
    this.buf = Buffer.allocUnsafe(windowSize)
  }

  get offset(): number {
    return this.base + this.pos
  }

  fail(reason: string, at = this.offset): never {
    throw new RdbError(reason, at)
  }

  /** Makes n bytes available at pos, reading more and sliding the window as needed. */
  private need(n: number): void {
    if (this.end - this.pos >= n) return
    this.crc.update(this.buf, this.crcFrom, this.pos)
    const rest = this.end - this.pos
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2))
      this.buf.copy(bigger, 0, this.pos, this.end)
      this.buf = bigger
    } else {
      this.buf.copy(this.buf, 0, this.pos, this.end)
    }
    this.base += this.pos
    this.pos = 0
    this.crcFrom = 0
    this.end = rest
    while (this.end < n && !this.eof) {
      const got = this.src.read(this.buf, this.end, this.buf.length - this.end)
      if (got === 0) this.eof = true
      this.end += got
    }
    if (this.end < n)
      this.fail(`unexpected end of file: needed ${n} more bytes, ${this.end} left`, this.base + this.end)
  }

  u8(): number {
    this.need(1)
    return this.buf[this.pos++]
  }

  take(n: number): Buffer {
    this.need(n)
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
    return out
  }

  /** n bytes as a view into the window, valid only until the next read (for decoders that copy). */
  private view(n: number): Buffer {
    this.need(n)
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Consumes n bytes without keeping them (the CRC still sees them); the window never grows. */
  skip(n: number): void {
    for (;;) {
      const have = this.end - this.pos
      if (have >= n) {
        this.pos += n
        return
      }
      this.pos = this.end
      n -= have
      this.need(Math.min(n, this.buf.length))
    }
  }

  latin1(n: number): string {
    this.need(n)
    // This runs for every key and value loaded (latin1Of: short ones without a C++ call).
    const s = latin1Of(this.buf, this.pos, n)
    this.pos += n
    return s
  }

  u32le(): number {
    this.need(4)
    const v = this.buf.readUInt32LE(this.pos)
    this.pos += 4
    return v
  }

  i32le(): number {
    this.need(4)
    const v = this.buf.readInt32LE(this.pos)
    this.pos += 4
    return v
  }

  i64le(): number {
    this.need(8)
    const v = Number(this.buf.readBigInt64LE(this.pos))
    this.pos += 8
    return v
  }

  f64le(): number {
    this.need(8)
    const v = this.buf.readDoubleLE(this.pos)
    this.pos += 8
    return v
  }

  /** Folds the bytes consumed so far into the CRC and returns it (for the footer check). */
  crcNow(): Crc64 {
    this.crc.update(this.buf, this.crcFrom, this.pos)
    this.crcFrom = this.pos
    return this.crc.result()
  }

  /** rdbLoadLenByRef: a plain length; `special` returns the 0xC0 kind instead of failing. */
  lenOrSpecial(): { len: number; special: number } {
    const at = this.offset
    const b = this.u8()
    const type = b >> 6
    if (type === 0) return { len: b & 0x3f, special: -1 }
    if (type === 1) return { len: ((b & 0x3f) << 8) | this.u8(), special: -1 }
    if (type === 3) return { len: 0, special: b & 0x3f }
    if (b === K.RDB_32BITLEN) {
      this.need(4)
      const v = this.buf.readUInt32BE(this.pos)
      this.pos += 4
      return { len: v, special: -1 }
    }
    if (b === K.RDB_64BITLEN) {
      this.need(8)
      const v = this.buf.readBigUInt64BE(this.pos)
      this.pos += 8
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`length ${v} is too large`, at)
      return { len: Number(v), special: -1 }
    }
    return this.fail(`unknown length encoding 0x${b.toString(16)}`, at)
  }

  /** A 64-bit length kept exact (module type ids use all 64 bits). */
  lenBig(): bigint {
    const b = this.u8()
    if (b !== K.RDB_64BITLEN) {
      this.pos--
      return BigInt(this.len())
    }
    this.need(8)
    const v = this.buf.readBigUInt64BE(this.pos)
    this.pos += 8
    return v
  }

  len(): number {
    const at = this.offset
    const r = this.lenOrSpecial()
    if (r.special >= 0) this.fail('an encoded string where a length was expected', at)
    return r.len
  }

  /**
   * The length of a short string (6-bit length byte) lying wholly in the window at pos, as nearly
   * every key and many values are, or −1: the fast path of str() and skipStr(), which reads no
   * length object.
   */
  private shortInWindow(): number {
    const b = this.buf[this.pos]
    return this.pos < this.end && b < 0x40 && this.end - this.pos > b ? b : -1
  }

  /** rdbGenericLoadStringObject as latin1 text. */
  str(): string {
    const n = this.shortInWindow()
    if (n >= 0) {
      this.pos += 1 + n
      return latin1Of(this.buf, this.pos - n, n)
    }
    const at = this.offset
    const { len, special } = this.lenOrSpecial()
    if (special < 0) return this.latin1(len)
    switch (special) {
      case K.RDB_ENC_INT8: {
        this.need(1)
        const v = this.buf.readInt8(this.pos)
        this.pos += 1
        return String(v)
      }
      case K.RDB_ENC_INT16: {
        this.need(2)
        const v = this.buf.readInt16LE(this.pos)
        this.pos += 2
        return String(v)
      }
      case K.RDB_ENC_INT32:
        return String(this.i32le())
      case K.RDB_ENC_LZF:
        return this.lzf(at).toString('latin1')
      default:
        return this.fail(`unknown string encoding ${special}`, at)
    }
  }

  /** Consumes a string in any of its encodings without building it (structure-only walks). */
  skipStr(): void {
    const n = this.shortInWindow()
    if (n >= 0) {
      this.pos += 1 + n
      return
    }
    const at = this.offset
    const { len, special } = this.lenOrSpecial()
    if (special < 0) this.skip(len)
    else if (special === K.RDB_ENC_INT8) this.skip(1)
    else if (special === K.RDB_ENC_INT16) this.skip(2)
    else if (special === K.RDB_ENC_INT32) this.skip(4)
    else if (special === K.RDB_ENC_LZF) {
      const clen = this.len()
      this.len()
      this.skip(clen)
    } else this.fail(`unknown string encoding ${special}`, at)
  }

  /**
   * Skims the plain string records that follow (type byte, key and value with 6-bit lengths, no
   * expiry or LRU prefix) as long as they lie whole in the window, handing each to `sink`; stops at
   * anything else, which the caller reads the general way. Datasets of short strings are the common
   * case whose structure-only walk must keep up with a backup's transfer, and reading the window
   * here directly takes a fraction of the time of u8/skipStr per field.
   */
  skimPlainStrings(db: number, sink: SkimSink): void {
    const b = this.buf
    const end = this.end
    let p = this.pos
    while (p + 3 <= end && b[p] === K.RDB_TYPE_STRING) {
      const keyLen = b[p + 1]
      const v = p + 2 + keyLen
      if (keyLen >= 0x40 || v >= end) return
      const valueLen = b[v]
      const next = v + 1 + valueLen
      if (valueLen >= 0x40 || next > end) return
      this.pos = next
      sink(db, K.RDB_TYPE_STRING, 1, 0, this.base + p, this.base + next)
      p = next
    }
  }

  /**
   * A compact blob's length, its first `head` bytes (fewer when it is shorter) and its last byte,
   * consumed without keeping the rest: structure-only walks check headers and terminators, not
   * entries. LZF-compressed blobs are decompressed (their header is inside the compressed data).
   */
  blobEdges(head: number): { length: number; head: Buffer; last: number } {
    const at = this.offset
    const { len, special } = this.lenOrSpecial()
    if (special >= 0) {
      const b = special === K.RDB_ENC_LZF ? this.lzf(at) : Buffer.from(this.strAfterSpecial(special, at), 'latin1')
      return { length: b.length, head: b.subarray(0, head), last: b.length ? b[b.length - 1] : -1 }
    }
    if (len <= head) {
      const b = this.take(len)
      return { length: len, head: b, last: len ? b[len - 1] : -1 }
    }
    const h = this.take(head)
    this.skip(len - head - 1)
    return { length: len, head: h, last: this.u8() }
  }

  /**
   * A blob as stored: its bytes (LZF still compressed; a view valid until the next read) and its
   * uncompressed length, -1 when stored as it is.
   */
  storedBlob(): { bytes: Buffer; ulen: number } {
    const at = this.offset
    const { len, special } = this.lenOrSpecial()
    if (special < 0) return { bytes: this.view(len), ulen: -1 }
    if (special !== K.RDB_ENC_LZF) return { bytes: Buffer.from(this.strAfterSpecial(special, at), 'latin1'), ulen: -1 }
    const clen = this.len()
    const ulen = this.len()
    return { bytes: this.view(clen), ulen }
  }

  /** A string as bytes (listpack, ziplist and intset blobs). */
  blob(): Buffer {
    return this.blobOrView(false)
  }

  /** blob() for decoders that keep nothing of it: valid only until the next read. */
  blobView(): Buffer {
    return this.blobOrView(true)
  }

  private blobOrView(view: boolean): Buffer {
    const at = this.offset
    const { len, special } = this.lenOrSpecial()
    if (special < 0) return view ? this.view(len) : this.take(len)
    if (special === K.RDB_ENC_LZF) return this.lzf(at)
    return Buffer.from(this.strAfterSpecial(special, at), 'latin1')
  }

  private strAfterSpecial(special: number, at: number): string {
    if (special === K.RDB_ENC_INT8) return String(this.take(1).readInt8(0))
    if (special === K.RDB_ENC_INT16) return String(this.take(2).readInt16LE(0))
    if (special === K.RDB_ENC_INT32) return String(this.i32le())
    return this.fail(`unknown string encoding ${special}`, at)
  }

  private lzf(at: number): Buffer {
    const clen = this.len()
    const ulen = this.len()
    const data = this.view(clen)
    try {
      return lzfDecompress(data, ulen)
    } catch (e) {
      if (e instanceof LzfError) this.fail(`corrupt LZF string: ${e.message}`, at)
      throw e
    }
  }

  /** rdbLoadDoubleValue: the old ASCII score form (1 length byte; 253 NaN, 254 +inf, 255 -inf). */
  asciiDouble(): number {
    const n = this.u8()
    if (n === 253) return NaN
    if (n === 254) return Infinity
    if (n === 255) return -Infinity
    const s = this.latin1(n)
    const v = Number(s)
    if (Number.isNaN(v) && s.toLowerCase() !== 'nan') this.fail(`invalid score '${s}'`)
    return v
  }
}

export interface ParseOptions {
  /** Verify the CRC-64 footer (rdbchecksum); a zero footer always passes. */
  checksum?: boolean
  /**
   * Listpack hashes, zsets and quicklist nodes come out as validated blobs (the values' `blob` and
   * `blobs`) with empty entry arrays, for a loader that keeps them as bytes (adopt.ts).
   */
  blobs?: boolean
  /** With blobs: who validates them (default: this thread, as each is read). */
  adopter?: BlobAdopter
  /** Where the consumed bytes go for the CRC-64 (default: computed in this thread). */
  crc?: CrcSink
  /**
   * Key events (and string values) are one object refilled by each next() call, for a consumer
   * that keeps nothing of an event past the next call: a load then allocates nothing per key.
   */
  reuseEvents?: boolean
  /**
   * Walk key records for their structure only (skimValue) and hand each to this sink instead of
   * returning `key` events: nothing is built per record, so a stream is validated at network speed.
   */
  skim?: SkimSink
}

type KeyEvent = Extract<RdbEvent, { kind: 'key' }>

/** A key record seen by a structure-only walk: `elements` as skimValue gives it, bytes [start, end). */
export type SkimSink = (
  db: number,
  rdbType: number,
  elements: number,
  expireAt: number,
  start: number,
  end: number,
) => void

/** Pull parser over a whole RDB file: `header()` once, then `next()` until an eof event. */
export class RdbParser {
  readonly input: RdbInput
  version = 0
  private db = 0
  private done = false
  private readonly checksum: boolean
  private readonly adopter: BlobAdopter | null
  private readonly keyEvent: KeyEvent | null = null
  private readonly stringValue = { type: 'string' as const, value: '' }
  private readonly skim: SkimSink | null

  constructor(src: ByteSource, opts: ParseOptions = {}) {
    this.input = new RdbInput(src, WINDOW, opts.crc)
    this.checksum = opts.checksum ?? true
    this.adopter = opts.blobs ? (opts.adopter ?? adoptInThread) : null
    if (opts.reuseEvents) {
      this.keyEvent = {
        kind: 'key',
        db: 0,
        key: '',
        rdbType: 0,
        value: this.stringValue,
        expireAt: 0,
        idle: -1,
        freq: -1,
        offset: 0,
      }
    }
    this.skim = opts.skim ?? null
  }

  /** Bytes consumed so far (after eof: the file's length as far as the RDB goes). */
  get offset(): number {
    return this.input.offset
  }

  header(): number {
    const inp = this.input
    let magic: string
    try {
      magic = inp.latin1(9)
    } catch {
      return inp.fail('not an RDB file: shorter than the 9-byte header', 0)
    }
    if (magic.slice(0, 5) !== 'REDIS') inp.fail(`not an RDB file: wrong signature '${printable(magic.slice(0, 5))}'`, 0)
    const ver = magic.slice(5)
    if (!/^\d{4}$/.test(ver)) inp.fail(`not an RDB file: bad version field '${printable(ver)}'`, 5)
    this.version = Number(ver)
    if (this.version < 1 || this.version > K.RDB_MAX_READ_VERSION) {
      inp.fail(`can't handle RDB format version ${this.version}`, 5)
    }
    return this.version
  }

  next(): RdbEvent {
    if (this.done) throw new Error('RDB parser already reached EOF')
    const inp = this.input
    let expireAt = 0
    let idle = -1
    let freq = -1
    for (;;) {
      const at = inp.offset
      const op = inp.u8()
      switch (op) {
        case K.RDB_OPCODE_EXPIRETIME:
          expireAt = inp.i32le() * 1000
          continue
        case K.RDB_OPCODE_EXPIRETIME_MS:
          expireAt = inp.i64le()
          continue
        case K.RDB_OPCODE_IDLE:
          idle = inp.len()
          continue
        case K.RDB_OPCODE_FREQ:
          freq = inp.u8()
          continue
        case K.RDB_OPCODE_SELECTDB:
          this.db = inp.len()
          return { kind: 'selectdb', db: this.db }
        case K.RDB_OPCODE_RESIZEDB: {
          const size = inp.len()
          return { kind: 'resizedb', db: this.db, size, expires: inp.len() }
        }
        case K.RDB_OPCODE_SLOT_INFO:
          inp.len()
          inp.len()
          inp.len()
          continue
        case K.RDB_OPCODE_AUX: {
          const key = inp.str()
          return { kind: 'aux', key, value: inp.str() }
        }
        case K.RDB_OPCODE_FUNCTION2:
          return { kind: 'function', code: inp.str() }
        case K.RDB_OPCODE_FUNCTION_PRE_GA: {
          inp.str()
          inp.str()
          if (inp.len()) inp.str()
          return { kind: 'function', code: inp.str() }
        }
        case K.RDB_OPCODE_MODULE_AUX: {
          const id = inp.lenBig()
          const when = inp.len()
          if (when !== 2) inp.fail(`module aux data with unknown 'when' opcode ${when}`, at)
          inp.len()
          this.skipModuleData(at)
          return { kind: 'module-aux', moduleId: moduleName(id) }
        }
        case K.RDB_OPCODE_EOF:
          return this.eof()
        default: {
          if (this.skim) {
            inp.skipStr()
            const elements = skimValue(inp, op, at)
            this.skim(this.db, op, elements, expireAt, at, inp.offset)
            expireAt = 0
            idle = -1
            freq = -1
            inp.skimPlainStrings(this.db, this.skim)
            continue
          }
          const key = inp.str()
          const ev = this.keyEvent
          if (ev === null) {
            const value = this.value(op, at)
            return { kind: 'key', db: this.db, key, rdbType: op, value, expireAt, idle, freq, offset: at }
          }
          if (op === K.RDB_TYPE_STRING) {
            this.stringValue.value = inp.str()
            ev.value = this.stringValue
          } else {
            ev.value = this.value(op, at)
          }
          ev.db = this.db
          ev.key = key
          ev.rdbType = op
          ev.expireAt = expireAt
          ev.idle = idle
          ev.freq = freq
          ev.offset = at
          return ev
        }
      }
    }
  }

  private eof(): RdbEvent {
    this.done = true
    const inp = this.input
    const crc = inp.crcNow()
    if (this.version < 5) return { kind: 'eof', checksum: 'absent', crc: crc.hex() }
    const at = inp.offset
    const footer = inp.take(8)
    if (footer.every((b) => b === 0)) return { kind: 'eof', checksum: 'disabled', crc: crc.hex() }
    if (!this.checksum) return { kind: 'eof', checksum: 'unchecked', crc: crc.hex() }
    if (!crc.matches(footer, 0)) {
      const stored = footer.readBigUInt64LE(0).toString(16).padStart(16, '0')
      inp.fail(`RDB checksum mismatch: the file says ${stored}, the data gives ${crc.hex()}`, at)
    }
    return { kind: 'eof', checksum: 'ok', crc: crc.hex() }
  }

  /** MODULE_2 opcode stream: items until the EOF opcode (0). */
  private skipModuleData(at: number): void {
    const inp = this.input
    for (;;) {
      const op = inp.len()
      if (op === 0) return
      if (op === 1 || op === 2) inp.len()
      else if (op === 3) inp.take(4)
      else if (op === 4) inp.take(8)
      else if (op === 5) inp.blob()
      else inp.fail(`unknown module data opcode ${op}`, at)
    }
  }

  /** rdbLoadObject: the value of type `t` whose record starts at `at`. */
  value(t: number, at: number): RdbValue {
    return readValue(this.input, t, at, this.adopter)
  }
}

/**
 * One value of RDB type t (also used for DUMP payloads); with an adopter, listpack hashes, zsets
 * and quicklist nodes come as blobs (ParseOptions.blobs).
 */
export function readValue(inp: RdbInput, t: number, at: number, adopter: BlobAdopter | null = null): RdbValue {
  let blobBytes = 0
  const blob = (decode: (b: Buffer) => string[], what: string): string[] => {
    const start = inp.offset
    const b = inp.blobView()
    blobBytes = b.length
    try {
      return decode(b)
    } catch (e) {
      if (e instanceof ListpackError || e instanceof BlobError || e instanceof IntsetError) {
        inp.fail(`corrupt ${what}: ${e.message}`, start)
      }
      throw e
    }
  }
  switch (t) {
    case K.RDB_TYPE_STRING:
      return { type: 'string', value: inp.str() }
    case K.RDB_TYPE_LIST: {
      const n = inp.len()
      const items: string[] = new Array(n)
      for (let i = 0; i < n; i++) items[i] = inp.str()
      return { type: 'list', nodes: [items], nodeBytes: null }
    }
    case K.RDB_TYPE_SET: {
      const n = inp.len()
      const members: string[] = new Array(n)
      for (let i = 0; i < n; i++) members[i] = inp.str()
      return { type: 'set', members: unique(inp, members, 'set member', at) }
    }
    case K.RDB_TYPE_ZSET:
    case K.RDB_TYPE_ZSET_2: {
      const n = inp.len()
      const members: string[] = new Array(n)
      const scores: number[] = new Array(n)
      for (let i = 0; i < n; i++) {
        members[i] = inp.str()
        scores[i] = t === K.RDB_TYPE_ZSET ? inp.asciiDouble() : inp.f64le()
        if (Number.isNaN(scores[i])) inp.fail('zset with NaN score detected', at)
      }
      unique(inp, members, 'zset member', at)
      return { type: 'zset', members, scores }
    }
    case K.RDB_TYPE_HASH: {
      const n = inp.len()
      const pairs: string[] = new Array(n * 2)
      for (let i = 0; i < n * 2; i++) pairs[i] = inp.str()
      uniqueFields(inp, pairs, at)
      return { type: 'hash', pairs }
    }
    case K.RDB_TYPE_SET_INTSET: {
      const start = inp.offset
      const b = inp.blob()
      if (b.length >= 8 && b.readUInt32LE(4) === 0) return { type: 'set', members: [] }
      try {
        const s = intsetDecode(b)
        const members: string[] = new Array(s.length)
        for (let i = 0; i < s.length; i++) members[i] = String(s.get(i))
        return { type: 'set', members }
      } catch (e) {
        if (e instanceof IntsetError) inp.fail(`corrupt intset: ${e.message}`, start)
        throw e
      }
    }
    case K.RDB_TYPE_SET_LISTPACK:
      return { type: 'set', members: unique(inp, blob(lpDecode, 'listpack'), 'set member', at) }
    case K.RDB_TYPE_HASH_ZIPMAP: {
      const pairs = blob(zipmapDecode, 'zipmap')
      uniqueFields(inp, pairs, at)
      return { type: 'hash', pairs }
    }
    case K.RDB_TYPE_HASH_ZIPLIST:
    case K.RDB_TYPE_HASH_LISTPACK: {
      if (adopter !== null && t === K.RDB_TYPE_HASH_LISTPACK) {
        return { type: 'hash', pairs: [], blob: adopter.adopt(inp, BlobKind.hash, at) }
      }
      const lp = t === K.RDB_TYPE_HASH_LISTPACK
      const pairs = lp ? blob(lpDecode, 'listpack') : blob(ziplistDecode, 'ziplist')
      if (pairs.length % 2 !== 0) inp.fail('hash with an odd number of entries', at)
      uniqueFields(inp, pairs, at)
      return lp ? { type: 'hash', pairs, listpackBytes: blobBytes } : { type: 'hash', pairs }
    }
    case K.RDB_TYPE_ZSET_ZIPLIST:
    case K.RDB_TYPE_ZSET_LISTPACK: {
      if (adopter !== null && t === K.RDB_TYPE_ZSET_LISTPACK) {
        return { type: 'zset', members: [], scores: [], blob: adopter.adopt(inp, BlobKind.zset, at) }
      }
      const flat = t === K.RDB_TYPE_ZSET_ZIPLIST ? blob(ziplistDecode, 'ziplist') : blob(lpDecode, 'listpack')
      if (flat.length % 2 !== 0) inp.fail('zset with an odd number of entries', at)
      const n = flat.length / 2
      const members: string[] = new Array(n)
      const scores: number[] = new Array(n)
      for (let i = 0; i < n; i++) {
        members[i] = flat[2 * i]
        const s = flat[2 * i + 1]
        const v = parseScore(s)
        if (v === null) inp.fail(`zset with an invalid score '${printable(s)}'`, at)
        scores[i] = v as number
      }
      unique(inp, members, 'zset member', at)
      return t === K.RDB_TYPE_ZSET_LISTPACK
        ? { type: 'zset', members, scores, listpack: flat, listpackBytes: blobBytes }
        : { type: 'zset', members, scores, listpack: flat }
    }
    case K.RDB_TYPE_LIST_ZIPLIST:
      return { type: 'list', nodes: [blob(ziplistDecode, 'ziplist')], nodeBytes: null }
    case K.RDB_TYPE_LIST_QUICKLIST:
    case K.RDB_TYPE_LIST_QUICKLIST_2: {
      const count = inp.len()
      const nodes: string[][] = []
      let nodeBytes: number[] | null = t === K.RDB_TYPE_LIST_QUICKLIST_2 ? [] : null
      let lazy: LpBlob[] | null = adopter !== null && t === K.RDB_TYPE_LIST_QUICKLIST_2 ? [] : null
      for (let i = 0; i < count; i++) {
        const container = quicklistContainer(inp, t)
        if (container === K.QUICKLIST_NODE_CONTAINER_PLAIN) {
          // A plain node (an element of 1 GB or more) sends the whole list down the eager path.
          if (lazy !== null) {
            adopter?.settle()
            for (const node of lazy) if (node.count > 0) nodes.push(lpDecode(node.buf))
          }
          lazy = null
          nodes.push([inp.str()])
          nodeBytes = null
          continue
        }
        if (lazy !== null && adopter !== null) {
          // Empty nodes are dropped by the loader (their count may only be known later).
          lazy.push(adopter.adopt(inp, BlobKind.listNode, at))
          continue
        }
        const part = t === K.RDB_TYPE_LIST_QUICKLIST ? blob(ziplistDecode, 'ziplist') : blob(lpDecode, 'listpack')
        // Empty nodes are skipped silently, as Redis does.
        if (part.length === 0) continue
        nodes.push(part)
        nodeBytes?.push(blobBytes)
      }
      return lazy !== null ? { type: 'list', nodes, nodeBytes: null, blobs: lazy } : { type: 'list', nodes, nodeBytes }
    }
    default:
      return inp.fail(K.unsupportedType(t), at)
  }
}

function unique(inp: RdbInput, items: string[], what: string, at: number): string[] {
  if (new Set(items).size !== items.length) inp.fail(`duplicate ${what} detected`, at)
  return items
}

function uniqueFields(inp: RdbInput, pairs: string[], at: number): void {
  const seen = new Set<string>()
  for (let i = 0; i < pairs.length; i += 2) {
    if (seen.has(pairs[i])) inp.fail('duplicate hash field detected', at)
    seen.add(pairs[i])
  }
}

/** A module type id's 9-character name (6 bits per character, high 54 bits). */
function moduleName(id: bigint): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let v = id >> 10n
  let name = ''
  for (let i = 0; i < 9; i++) {
    name = chars[Number(v & 63n)] + name
    v >>= 6n
  }
  return name
}

/** Parses a whole RDB held in memory (small files, tests), returning every event. */
export function parseRdbBuffer(data: Uint8Array, opts: ParseOptions = {}): { version: number; events: RdbEvent[] } {
  const p = new RdbParser(new BufferSource(data), opts)
  const version = p.header()
  const events: RdbEvent[] = []
  for (;;) {
    const ev = p.next()
    events.push(ev)
    if (ev.kind === 'eof') return { version, events }
  }
}
