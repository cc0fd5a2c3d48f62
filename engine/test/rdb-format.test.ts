// RDB format primitives: CRC-64 check values, LZF round trips (and Redis's own compressed
// strings), the encoder's integer/LZF string forms and the reader's error reporting.

import { describe, expect, it } from 'vitest'
import { crc64 } from '../src/persistence/rdb/crc64.js'
import { lzfCompress, lzfDecompress } from '../src/persistence/rdb/lzf.js'
import { RdbEncoder } from '../src/persistence/rdb/writer.js'
import { BufferSource, RdbInput, RdbError, parseRdbBuffer } from '../src/persistence/rdb/reader.js'

function encode(fn: (e: RdbEncoder) => void, compress = true): Buffer {
  const chunks: Buffer[] = []
  const e = new RdbEncoder({ compress, checksum: true, sink: (b) => chunks.push(b), chunkSize: 256 })
  fn(e)
  e.flush()
  return Buffer.concat(chunks)
}

describe('crc64', () => {
  it('matches the Jones check values Redis tests', () => {
    expect(crc64(Buffer.from('123456789')).hex()).toBe('e9c6d914c4b8d9ca')
    const lorem =
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.\0'
    expect(crc64(Buffer.from(lorem, 'latin1')).hex()).toBe('c7794709e69683b3')
  })

  it('is incremental at any split point', () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) & 255))
    const whole = crc64(data).hex()
    for (const cut of [0, 1, 7, 8, 9, 500, 999]) {
      const c = crc64(data.subarray(0, cut))
      c.update(data, cut)
      expect(c.hex()).toBe(whole)
    }
  })
})

/** CRC-64/Jones bit by bit, as the reference for the table-driven one. */
function crcBitwise(buf: Uint8Array): string {
  const poly = 0x95ac9329ac4bc9b5n
  let crc = 0n
  for (const byte of buf) {
    crc ^= BigInt(byte)
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n
  }
  return crc.toString(16).padStart(16, '0')
}

describe('crc64 fold', () => {
  it('matches the bitwise reference at every alignment, length and split', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 17) & 255))
    for (let start = 0; start < 8; start++) {
      for (const len of [0, 1, 3, 15, 16, 17, 31, 64, 100, 291]) {
        const part = data.subarray(start, start + len)
        expect(crc64(part).hex()).toBe(crcBitwise(part))
        const split = crc64(part.subarray(0, len >> 1))
        split.update(part, len >> 1)
        expect(split.hex()).toBe(crcBitwise(part))
      }
    }
  })

  it('folds inputs longer than the window copied into the WebAssembly memory, split anywhere', () => {
    const data = Buffer.from(Array.from({ length: 3 * 65536 + 13 }, (_, i) => (i * 2654435761) >>> 24))
    const whole = crcBitwise(data.subarray(5))
    expect(crc64(data.subarray(5)).hex()).toBe(whole)
    for (const cut of [65536, 65541, 131000]) {
      const c = crc64(data.subarray(5, cut))
      c.update(data, cut)
      expect(c.hex()).toBe(whole)
    }
  })
})

describe('lzf', () => {
  it('round-trips repetitive, random and mixed data', () => {
    const samples = [
      Buffer.from('a'.repeat(1000)),
      Buffer.from('abcabcabcabcabcabcabcabcabcabc-hello-hello-hello-hello'),
      Buffer.from(Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? 65 : (i * 7919) & 255))),
      Buffer.from(JSON.stringify({ user: 'x', items: Array.from({ length: 200 }, (_, i) => ({ id: i })) })),
    ]
    for (const s of samples) {
      const out = Buffer.alloc(s.length + 1)
      const n = lzfCompress(s, s.length, out, s.length - 1)
      if (n === 0) continue
      expect(lzfDecompress(out.subarray(0, n), s.length).equals(s)).toBe(true)
    }
  })

  it('refuses output it cannot fit and corrupt input', () => {
    const rnd = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 255))
    expect(lzfCompress(rnd, rnd.length, Buffer.alloc(61), 60)).toBe(0)
    expect(() => lzfDecompress(Buffer.from([0x20, 0x05]), 3)).toThrow(/before the start/)
    expect(() => lzfDecompress(Buffer.from([0x05, 1, 2]), 6)).toThrow(/inside a literal/)
  })

  it('decodes the compressed value of a real DUMP payload', () => {
    // DUMP of a 100-byte string of 'x' from redis-server 7.0.15 (type 0, C3 LZF form).
    const payload = Buffer.from('00c3094064017878e057000178780a005db7f663bb08625f', 'hex')
    const inp = new RdbInput(new BufferSource(payload.subarray(1, payload.length - 10)))
    expect(inp.str()).toBe('x'.repeat(100))
  })
})

describe('encoder strings', () => {
  it('uses the int8/16/32 forms only for canonical int32 text', () => {
    const b = encode((e) => {
      for (const s of ['12', '-129', '12345', '2147483647', '2147483648', '007', '-0', '+5', '']) e.str(s)
    })
    const inp = new RdbInput(new BufferSource(b))
    expect(b.subarray(0, 2)).toEqual(Buffer.from([0xc0, 12]))
    for (const s of ['12', '-129', '12345', '2147483647', '2147483648', '007', '-0', '+5', '']) {
      expect(inp.str()).toBe(s)
    }
    expect(b[2]).toBe(0xc1)
  })

  it('compresses long strings only when rdbcompression is on and it pays', () => {
    const long = 'hello world '.repeat(50)
    const on = encode((e) => e.str(long))
    const off = encode((e) => e.str(long), false)
    expect(on[0]).toBe(0xc3)
    expect(off.length).toBe(long.length + 2)
    for (const b of [on, off]) expect(new RdbInput(new BufferSource(b)).str()).toBe(long)
    const short = encode((e) => e.str('aaaaaaaaaaaaaaaaaaaa'))
    expect(short[0]).toBe(20)
  })

  it('round-trips every length form', () => {
    const lens = [0, 63, 64, 16383, 16384, 70000]
    const b = encode((e) => lens.forEach((n) => e.len(n)))
    const inp = new RdbInput(new BufferSource(b), 16)
    for (const n of lens) expect(inp.len()).toBe(n)
  })
})

describe('reader errors', () => {
  it('names the problem and the offset', () => {
    const bad = (data: Buffer): RdbError => {
      try {
        parseRdbBuffer(data)
      } catch (e) {
        if (e instanceof RdbError) return e
        throw e
      }
      throw new Error('parsed')
    }
    expect(bad(Buffer.from('HELLO0010')).message).toMatch(/wrong signature/)
    expect(bad(Buffer.from('REDIS0099\xff')).message).toMatch(/can't handle RDB format version 99/)
    const unknown = bad(Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([0x63, 0x01, 0x61])]))
    expect(unknown.message).toMatch(/unknown value type 99/)
    expect(unknown.offset).toBe(9)
    const stream = bad(Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([19, 0x01, 0x61])]))
    expect(stream.message).toMatch(/unsupported value type 19 \(stream\)/)
    expect(bad(Buffer.from('REDIS0010\x00\x01a')).message).toMatch(/unexpected end of file/)
  })
})
