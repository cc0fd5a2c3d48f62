// CRC-64/Jones as Redis uses it for the RDB footer and DUMP payloads (crc64.c): reflected
// polynomial 0xAD93D23594C935A9, initial value 0, no final xor, stored little-endian.
// The 64-bit state is kept as two uint32 halves (BigInt is far too slow per byte), and bytes are
// folded in sixteen at a time with slicing-by-16 tables, read as aligned 32-bit words on
// little-endian hosts, so checksumming stays well ahead of the network and the disk (SAVE, loads,
// backups validated while they stream).

import { endianness } from 'node:os'

const REV_POLY_HI = 0x95ac9329
const REV_POLY_LO = 0xac4bc9b5
const SLICES = 16

/**
 * T[k*256 + b], halves in separate arrays: T0 is the classic byte table, Tk = T0 advanced k bytes.
 * Int32Array, not Uint32Array: V8 keeps int32 values unboxed, while uint32 values above 2^31
 * become heap numbers and make the loop several times slower.
 */
const LO = new Int32Array(SLICES * 256)
const HI = new Int32Array(SLICES * 256)

for (let b = 0; b < 256; b++) {
  let lo = b
  let hi = 0
  for (let i = 0; i < 8; i++) {
    const odd = lo & 1
    lo = (lo >>> 1) | (hi << 31)
    hi = hi >>> 1
    if (odd) {
      lo ^= REV_POLY_LO
      hi ^= REV_POLY_HI
    }
  }
  LO[b] = lo
  HI[b] = hi
}
for (let k = 1; k < SLICES; k++) {
  for (let b = 0; b < 256; b++) {
    const plo = LO[(k - 1) * 256 + b]
    const phi = HI[(k - 1) * 256 + b]
    const idx = plo & 0xff
    LO[k * 256 + b] = LO[idx] ^ ((plo >>> 8) | (phi << 24))
    HI[k * 256 + b] = HI[idx] ^ (phi >>> 8)
  }
}

/** Word reads see bytes in file order only on little-endian hosts (every platform Node ships on). */
const WORDS = endianness() === 'LE'

/** A running CRC-64 over a byte stream (halves kept as int32; read them through bytes()/hex()). */
export class Crc64 {
  lo = 0
  hi = 0

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let i = start
    // Bytes one by one up to a 4-byte boundary of the underlying memory, then 16 at a time.
    const aligned = WORDS ? Math.min(end, start + ((4 - ((buf.byteOffset + start) & 3)) & 3)) : end
    this.bytewise(buf, i, aligned)
    i = aligned
    if (WORDS && end - i >= 16) {
      const w = new Int32Array(buf.buffer, buf.byteOffset + i, (end - i) >> 2)
      const n = (end - i) >> 4
      this.words(w, n)
      i += n << 4
    }
    this.bytewise(buf, i, end)
    return this
  }

  private bytewise(buf: Uint8Array, start: number, end: number): void {
    let lo = this.lo
    let hi = this.hi
    for (let i = start; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff
      lo = LO[idx] ^ ((lo >>> 8) | (hi << 24))
      hi = HI[idx] ^ (hi >>> 8)
    }
    this.lo = lo | 0
    this.hi = hi | 0
  }

  /** Slicing-by-16 over n blocks of four words: xor the state into the first eight bytes, then look every byte up in its own table. */
  private words(w: Int32Array, n: number): void {
    let lo = this.lo
    let hi = this.hi
    for (let j = 0, p = 0; j < n; j++, p += 4) {
      const a = lo ^ w[p]
      const b = hi ^ w[p + 1]
      const c = w[p + 2]
      const d = w[p + 3]
      lo =
        LO[15 * 256 + (a & 0xff)] ^
        LO[14 * 256 + ((a >>> 8) & 0xff)] ^
        LO[13 * 256 + ((a >>> 16) & 0xff)] ^
        LO[12 * 256 + (a >>> 24)] ^
        LO[11 * 256 + (b & 0xff)] ^
        LO[10 * 256 + ((b >>> 8) & 0xff)] ^
        LO[9 * 256 + ((b >>> 16) & 0xff)] ^
        LO[8 * 256 + (b >>> 24)] ^
        LO[7 * 256 + (c & 0xff)] ^
        LO[6 * 256 + ((c >>> 8) & 0xff)] ^
        LO[5 * 256 + ((c >>> 16) & 0xff)] ^
        LO[4 * 256 + (c >>> 24)] ^
        LO[3 * 256 + (d & 0xff)] ^
        LO[2 * 256 + ((d >>> 8) & 0xff)] ^
        LO[256 + ((d >>> 16) & 0xff)] ^
        LO[d >>> 24]
      hi =
        HI[15 * 256 + (a & 0xff)] ^
        HI[14 * 256 + ((a >>> 8) & 0xff)] ^
        HI[13 * 256 + ((a >>> 16) & 0xff)] ^
        HI[12 * 256 + (a >>> 24)] ^
        HI[11 * 256 + (b & 0xff)] ^
        HI[10 * 256 + ((b >>> 8) & 0xff)] ^
        HI[9 * 256 + ((b >>> 16) & 0xff)] ^
        HI[8 * 256 + (b >>> 24)] ^
        HI[7 * 256 + (c & 0xff)] ^
        HI[6 * 256 + ((c >>> 8) & 0xff)] ^
        HI[5 * 256 + ((c >>> 16) & 0xff)] ^
        HI[4 * 256 + (c >>> 24)] ^
        HI[3 * 256 + (d & 0xff)] ^
        HI[2 * 256 + ((d >>> 8) & 0xff)] ^
        HI[256 + ((d >>> 16) & 0xff)] ^
        HI[d >>> 24]
    }
    this.lo = lo | 0
    this.hi = hi | 0
  }

  /** The 8 footer bytes, little-endian. */
  bytes(): Buffer {
    const b = Buffer.allocUnsafe(8)
    b.writeInt32LE(this.lo, 0)
    b.writeInt32LE(this.hi, 4)
    return b
  }

  /** True when the 8 little-endian bytes at buf[off] equal the running value. */
  matches(buf: Uint8Array, off: number): boolean {
    const lo = buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)
    const hi = buf[off + 4] | (buf[off + 5] << 8) | (buf[off + 6] << 16) | (buf[off + 7] << 24)
    return lo === this.lo && hi === this.hi
  }

  /** Itself: a Crc64 is the in-thread CrcSink (reader.ts). */
  result(): this {
    return this
  }

  hex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0')
  }
}

export function crc64(buf: Uint8Array): Crc64 {
  return new Crc64().update(buf)
}
