// The RDB encoder (rdb.c's rdbSave* primitives): lengths, strings with the integer and LZF special
// encodings, doubles, opcodes and the file frame (header, AUX fields, SELECTDB/RESIZEDB, EOF and
// the CRC-64 footer). Bytes accumulate in chunks handed to a sink as they fill, so a snapshot's
// output streams to a file or socket without building the whole file in memory. With `deferred`,
// LZF and the CRC are left to whoever finishes the chunks (a worker: rdb/finish-worker.ts).

import { Crc64 } from './crc64.js'
import { lzfCompress } from './lzf.js'
import {
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_VERSION,
} from './constants.js'

const CHUNK = 64 * 1024
/** Recycled chunks kept at most (the async output's backlog limit is 8 MB, 128 chunks). */
const MAX_SPARE = 160

/** Scratch buffers for LZF: the string's bytes and the compressor's output. Grown on demand. */
let lzfIn = Buffer.allocUnsafe(CHUNK)
let lzfOut = Buffer.allocUnsafe(CHUNK)

export interface EncoderOptions {
  /** rdbcompression: LZF for strings longer than 20 bytes when it saves at least 4 bytes. */
  compress: boolean
  /** rdbchecksum: keep a running CRC-64 (a disabled checksum is written as 8 zero bytes). */
  checksum: boolean
  /**
   * Receives each full chunk; the encoder never touches a chunk again once handed over. With
   * `deferred`, `lzf` lists the chunk's strings to compress as (offset, length) pairs.
   */
  sink: (chunk: Buffer, lzf: number[] | null) => void
  chunkSize?: number
  /**
   * Leave compression and the checksum to the sink's finisher: every string `compress` would try
   * goes out as its bytes alone (no length, listed in `lzf`), no CRC is kept, and end() writes
   * neither EOF nor the footer (the finisher does, with the CRC of the finished bytes).
   */
  deferred?: boolean
}

export class RdbEncoder {
  private buf: Buffer
  private pos = 0
  private readonly chunkSize: number
  readonly crc: Crc64 | null
  readonly compress: boolean
  private readonly deferred: boolean
  /** The current chunk's strings left to the finisher: offset, length, ... */
  private lzfSpans: number[] = []
  private readonly sink: (chunk: Buffer, lzf: number[] | null) => void
  /** Bytes handed to the sink so far. */
  flushed = 0
  /** Written-out chunks given back (recycle), reused instead of allocating new ones. */
  private readonly spare: Buffer[] = []
  /** The chunk memory this encoder allocated: only that is ever recycled. */
  private readonly own = new WeakSet<ArrayBufferLike>()

  constructor(opts: EncoderOptions) {
    this.chunkSize = opts.chunkSize ?? CHUNK
    this.buf = this.newChunk()
    this.compress = opts.compress
    this.deferred = opts.deferred ?? false
    this.crc = opts.checksum && !this.deferred ? new Crc64() : null
    this.sink = opts.sink
  }

  /** Bytes produced so far (flushed + buffered). */
  get size(): number {
    return this.flushed + this.pos
  }

  /** Bytes waiting in the current chunk. */
  get buffered(): number {
    return this.pos
  }

  /** Hands the current chunk to the sink (when it holds anything). */
  flush(): void {
    if (this.pos === 0) return
    const out = this.buf.subarray(0, this.pos)
    this.crc?.update(out)
    this.flushed += this.pos
    this.buf = this.spare.pop() ?? this.newChunk()
    this.pos = 0
    const spans = this.lzfSpans.length > 0 ? this.lzfSpans : null
    if (spans !== null) this.lzfSpans = []
    this.sink(out, spans)
  }

  /**
   * Takes back a chunk the sink has finished with. A BGSAVE would otherwise allocate a fresh
   * 64 KB ArrayBuffer per chunk, and that external memory triggers full GCs of the whole heap.
   */
  recycle(chunk: Buffer): void {
    const ab = chunk.buffer
    if (!this.own.has(ab) || this.spare.length >= MAX_SPARE) return
    this.spare.push(Buffer.from(ab, 0, this.chunkSize))
  }

  /** A chunk with memory of its own (allocUnsafe may carve small ones from Node's shared pool). */
  private newChunk(): Buffer {
    const b = Buffer.allocUnsafeSlow(this.chunkSize)
    this.own.add(b.buffer)
    return b
  }

  private room(n: number): void {
    if (this.pos + n > this.buf.length) {
      this.flush()
      if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n)
    }
  }

  byte(b: number): void {
    this.room(1)
    this.buf[this.pos++] = b
  }

  /**
   * Appends bytes. `owned` says the encoder may hand b itself to the sink; otherwise a large b is
   * copied, as callers pass views of scratch buffers that the next record overwrites while an
   * asynchronous sink may still be holding the chunk.
   */
  bytes(b: Uint8Array, owned = false): void {
    if (b.length > this.chunkSize) {
      // Large blobs go out as their own chunk.
      this.flush()
      const chunk = owned && Buffer.isBuffer(b) ? b : Buffer.from(b)
      this.crc?.update(chunk)
      this.flushed += chunk.length
      this.sink(chunk, null)
      return
    }
    this.room(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  /** rdbSaveLen: the smallest of the 6/14/32/64-bit forms. */
  len(n: number): void {
    this.room(9)
    const b = this.buf
    if (n < 64) {
      b[this.pos++] = n
    } else if (n < 16384) {
      b[this.pos++] = 0x40 | (n >> 8)
      b[this.pos++] = n & 0xff
    } else if (n <= 0xffffffff) {
      b[this.pos++] = 0x80
      b.writeUInt32BE(n, this.pos)
      this.pos += 4
    } else {
      b[this.pos++] = 0x81
      b.writeBigUInt64BE(BigInt(n), this.pos)
      this.pos += 8
    }
  }

  /** The int8/16/32 special form; the caller checked v is an int32. */
  private intForm(v: number): void {
    this.room(5)
    const b = this.buf
    if (v >= -128 && v <= 127) {
      b[this.pos++] = 0xc0
      b.writeInt8(v, this.pos)
      this.pos += 1
    } else if (v >= -32768 && v <= 32767) {
      b[this.pos++] = 0xc1
      b.writeInt16LE(v, this.pos)
      this.pos += 2
    } else {
      b[this.pos++] = 0xc2
      b.writeInt32LE(v, this.pos)
      this.pos += 4
    }
  }

  /** A stored number (the `int` encoding): integer form when it fits int32, else its decimal text. */
  num(v: number): void {
    if (v >= -2147483648 && v <= 2147483647) this.intForm(v)
    else this.rawString(String(v))
  }

  /**
   * rdbSaveRawString for a latin1 string: the integer form for canonical int32 text of at most
   * 11 characters, LZF when enabled and worthwhile, else length + bytes.
   */
  str(s: string): void {
    const n = s.length
    if (n <= 11 && n > 0) {
      const v = int32Text(s)
      if (v !== null) {
        this.intForm(v)
        return
      }
    }
    if (this.compress && n > 20) {
      if (this.deferred) return this.leaveToFinisher(s)
      if (this.lzf(s)) return
    }
    this.rawString(s)
  }

  /**
   * A string the finisher compresses (or writes with its length when that does not pay): its
   * bytes alone, listed in the chunk's spans. One larger than a chunk goes as its own chunk.
   */
  private leaveToFinisher(src: Uint8Array | string): void {
    const n = src.length
    if (n > this.chunkSize) {
      this.flush()
      this.flushed += n
      this.sink(typeof src === 'string' ? Buffer.from(src, 'latin1') : Buffer.from(src), [0, n])
      return
    }
    this.room(n)
    this.lzfSpans.push(this.pos, n)
    if (typeof src === 'string') this.buf.write(src, this.pos, n, 'latin1')
    else this.buf.set(src, this.pos)
    this.pos += n
  }

  private rawString(s: string): void {
    const n = s.length
    this.len(n)
    if (n > this.chunkSize) {
      this.bytes(Buffer.from(s, 'latin1'), true)
      return
    }
    this.room(n)
    if (n <= 32) {
      // A byte loop beats Buffer#write's call overhead for the many short keys and values.
      const b = this.buf
      let p = this.pos
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i)
      this.pos = p
    } else {
      this.pos += this.buf.write(s, this.pos, n, 'latin1')
    }
  }

  /** A byte blob written as an RDB string (listpacks, intsets), compressed like any string; b is copied. */
  blob(b: Buffer): void {
    const n = b.length
    if (this.compress && n > 20) {
      if (this.deferred) return this.leaveToFinisher(b)
      if (this.lzfBytes(b, n)) return
    }
    this.len(n)
    this.bytes(b)
  }

  private lzf(s: string): boolean {
    if (lzfIn.length < s.length) lzfIn = Buffer.allocUnsafe(s.length * 2)
    const n = lzfIn.write(s, 0, s.length, 'latin1')
    return this.lzfBytes(lzfIn, n)
  }

  /** rdbSaveLzfStringObject: only when compression saves more than 4 bytes. */
  private lzfBytes(src: Uint8Array, n: number): boolean {
    const max = n - 4
    if (lzfOut.length < max + 1) lzfOut = Buffer.allocUnsafe(max * 2 + 1)
    const clen = lzfCompress(src, n, lzfOut, max)
    if (clen === 0) return false
    this.byte(0xc3)
    this.len(clen)
    this.len(n)
    if (clen > this.chunkSize) {
      this.bytes(lzfOut.subarray(0, clen))
    } else {
      // Copied straight from the scratch output: a snapshot allocates no view per value.
      this.room(clen)
      lzfOut.copy(this.buf, this.pos, 0, clen)
      this.pos += clen
    }
    return true
  }

  /** rdbSaveBinaryDoubleValue: 8 bytes, little-endian IEEE-754. */
  double(d: number): void {
    this.room(8)
    this.buf.writeDoubleLE(d, this.pos)
    this.pos += 8
  }

  /** A 64-bit little-endian unsigned integer (expiry ms, stream times). */
  u64le(v: number): void {
    this.room(8)
    this.buf.writeBigInt64LE(BigInt(Math.trunc(v)), this.pos)
    this.pos += 8
  }

  // ---- Frame ----

  header(): void {
    this.bytes(Buffer.from('REDIS' + String(RDB_VERSION).padStart(4, '0'), 'latin1'))
  }

  aux(key: string, value: string): void {
    this.byte(RDB_OPCODE_AUX)
    this.str(key)
    this.str(value)
  }

  selectDb(id: number): void {
    this.byte(RDB_OPCODE_SELECTDB)
    this.len(id)
  }

  resizeDb(size: number, expires: number): void {
    this.byte(RDB_OPCODE_RESIZEDB)
    this.len(size)
    this.len(expires)
  }

  /** The per-key prefix: expiry (ms), then LRU idle seconds or LFU frequency when given. */
  keyPrefix(expireAt: number, idleSecs: number, freq: number): void {
    if (expireAt !== 0) {
      this.byte(RDB_OPCODE_EXPIRETIME_MS)
      this.u64le(expireAt)
    }
    if (idleSecs >= 0) {
      this.byte(RDB_OPCODE_IDLE)
      this.len(idleSecs)
    }
    if (freq >= 0) {
      this.byte(RDB_OPCODE_FREQ)
      this.byte(freq)
    }
  }

  /** EOF and the checksum footer (zeros when checksums are off); flushes everything. */
  end(): void {
    if (this.deferred) {
      this.flush()
      return
    }
    this.byte(RDB_OPCODE_EOF)
    this.flush()
    // The footer itself is not checksummed: it goes to the sink directly.
    this.flushed += 8
    this.sink(this.crc ? this.crc.bytes() : Buffer.alloc(8), null)
  }
}

/** The value of canonical int32 decimal text (what Redis stores as an integer), else null. */
export function int32Text(s: string): number | null {
  const n = s.length
  let i = 0
  let c = s.charCodeAt(0)
  if (c === 45) {
    if (n === 1) return null
    i = 1
    c = s.charCodeAt(1)
  }
  if (c === 48) return n === 1 ? 0 : null
  if (c < 49 || c > 57) return null
  for (let j = i + 1; j < n; j++) {
    const d = s.charCodeAt(j)
    if (d < 48 || d > 57) return null
  }
  const v = Number(s)
  return v >= -2147483648 && v <= 2147483647 ? v : null
}
