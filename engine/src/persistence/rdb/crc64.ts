// CRC-64/Jones as Redis uses it for the RDB footer and DUMP payloads (crc64.c): reflected
// polynomial 0xAD93D23594C935A9, initial value 0, no final xor, stored little-endian.
// The 64-bit state is kept as two uint32 halves (BigInt is far too slow per byte), and bytes are
// folded in eight at a time with slicing-by-8 tables, so checksumming is not the bottleneck of SAVE.

const REV_POLY_HI = 0x95ac9329
const REV_POLY_LO = 0xac4bc9b5

/**
 * T[k*256 + b], halves in separate arrays: T0 is the classic byte table, Tk = T0 advanced k bytes.
 * Int32Array, not Uint32Array: V8 keeps int32 values unboxed, while uint32 values above 2^31
 * become heap numbers and make the loop several times slower.
 */
const LO = new Int32Array(8 * 256)
const HI = new Int32Array(8 * 256)

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
for (let k = 1; k < 8; k++) {
  for (let b = 0; b < 256; b++) {
    const plo = LO[(k - 1) * 256 + b]
    const phi = HI[(k - 1) * 256 + b]
    const idx = plo & 0xff
    LO[k * 256 + b] = LO[idx] ^ ((plo >>> 8) | (phi << 24))
    HI[k * 256 + b] = HI[idx] ^ (phi >>> 8)
  }
}

/** A running CRC-64 over a byte stream (halves kept as int32; read them through bytes()/hex()). */
export class Crc64 {
  lo = 0
  hi = 0

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let lo = this.lo
    let hi = this.hi
    let i = start
    // Slicing-by-8: xor eight input bytes into the state, then look every byte up in its own table.
    for (; i + 8 <= end; i += 8) {
      const a = lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))
      const b = hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24))
      const i7 = a & 0xff
      const i6 = (a >>> 8) & 0xff
      const i5 = (a >>> 16) & 0xff
      const i4 = a >>> 24
      const i3 = b & 0xff
      const i2 = (b >>> 8) & 0xff
      const i1 = (b >>> 16) & 0xff
      const i0 = b >>> 24
      lo =
        LO[7 * 256 + i7] ^
        LO[6 * 256 + i6] ^
        LO[5 * 256 + i5] ^
        LO[4 * 256 + i4] ^
        LO[3 * 256 + i3] ^
        LO[2 * 256 + i2] ^
        LO[256 + i1] ^
        LO[i0]
      hi =
        HI[7 * 256 + i7] ^
        HI[6 * 256 + i6] ^
        HI[5 * 256 + i5] ^
        HI[4 * 256 + i4] ^
        HI[3 * 256 + i3] ^
        HI[2 * 256 + i2] ^
        HI[256 + i1] ^
        HI[i0]
    }
    for (; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff
      lo = LO[idx] ^ ((lo >>> 8) | (hi << 24))
      hi = HI[idx] ^ (hi >>> 8)
    }
    this.lo = lo | 0
    this.hi = hi | 0
    return this
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

  hex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0')
  }
}

export function crc64(buf: Uint8Array): Crc64 {
  return new Crc64().update(buf)
}
