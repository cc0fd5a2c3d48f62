import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Listpack,
  LP_EMPTY_BYTES,
  lpBytesOf,
  lpDecode,
  lpEncode,
  lpEncodeTemp,
  lpEncodeTempWith,
  lpEntryInt,
  lpEntrySize,
  ListpackError,
} from '../src/types/listpack.js'
import { RawClient, requireProgram, startRealRedis, type RealRedis } from './helpers.js'

/** Reads an RDB length (rdbLoadLen) at p; string-encoded specials are not expected here. */
function readLen(buf: Buffer, p: number): { len: number; next: number } {
  const b = buf[p]
  const kind = b >> 6
  if (kind === 0) return { len: b & 0x3f, next: p + 1 }
  if (kind === 1) return { len: ((b & 0x3f) << 8) | buf[p + 1], next: p + 2 }
  if (b === 0x80) return { len: buf.readUInt32BE(p + 1), next: p + 5 }
  throw new Error(`unexpected length byte 0x${b.toString(16)} (compressed payload?)`)
}

/** The listpack blob inside a DUMP payload of a listpack-encoded hash (RDB type 16). */
function hashListpackFromDump(payload: Buffer): Buffer {
  expect(payload[0]).toBe(16)
  const { len, next } = readLen(payload, 1)
  return payload.subarray(next, next + len)
}

/** The listpack blobs of the nodes inside a DUMP payload of a list (RDB type 18). */
function listNodesFromDump(payload: Buffer): Buffer[] {
  expect(payload[0]).toBe(18)
  let { len: nodes, next: p } = readLen(payload, 1)
  const out: Buffer[] = []
  while (nodes-- > 0) {
    const container = readLen(payload, p)
    expect(container.len).toBe(2)
    const blob = readLen(payload, container.next)
    out.push(payload.subarray(blob.next, blob.next + blob.len))
    p = blob.next + blob.len
  }
  return out
}

// Entries chosen to hit every integer and string encoding and every backlen width boundary.
const BOUNDARY_ENTRIES = [
  '0',
  '127',
  '128',
  '-1',
  '4095',
  '-4096',
  '4096',
  '-4097',
  '32767',
  '-32768',
  '32768',
  '8388607',
  '-8388608',
  '8388608',
  '2147483647',
  '-2147483648',
  '2147483648',
  '9007199254740993',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '007',
  '-0',
  '+1',
  ' 1',
  '1.5',
  '',
  'x'.repeat(63),
  'y'.repeat(64),
  'z'.repeat(125),
  'w'.repeat(126),
  'v'.repeat(4095),
  'u'.repeat(4096),
  't'.repeat(16377),
  's'.repeat(16378),
  '\x00\xff\x80binary',
]

describe('listpack entry sizes', () => {
  it('recognises only canonical int64 text as integers', () => {
    expect(lpEntryInt('0')).toBe(0)
    expect(lpEntryInt('-4096')).toBe(-4096)
    expect(lpEntryInt('9223372036854775807')).toBe(9223372036854775807n)
    expect(lpEntryInt('9223372036854775808')).toBe(null)
    for (const s of ['', '-', '-0', '007', '+1', ' 1', '1 ', '1e3', '1.0', '123456789012345678901']) {
      expect(lpEntryInt(s)).toBe(null)
    }
  })

  it('follows the 7/13/16/24/32/64-bit integer and 6/12/32-bit string size rules', () => {
    const cases: [string, number][] = [
      ['0', 2],
      ['127', 2],
      ['128', 3],
      ['-1', 3],
      ['4095', 3],
      ['-4096', 3],
      ['4096', 4],
      ['32767', 4],
      ['32768', 5],
      ['8388607', 5],
      ['8388608', 6],
      ['2147483647', 6],
      ['2147483648', 10],
      ['-9223372036854775808', 10],
      ['', 2],
      ['a'.repeat(63), 65],
      ['a'.repeat(64), 67],
      ['a'.repeat(125), 128],
      ['a'.repeat(126), 130],
      ['a'.repeat(4095), 4099],
      ['a'.repeat(4096), 4103],
      ['a'.repeat(16377), 16384],
      ['a'.repeat(16378), 16386],
    ]
    for (const [s, size] of cases) expect([s.length, lpEntrySize(s)]).toEqual([s.length, size])
  })

  it('keeps the running byte size exact through every mutation', () => {
    const lp = new Listpack()
    expect(lp.bytes).toBe(LP_EMPTY_BYTES)
    for (const e of BOUNDARY_ENTRIES) lp.push(e)
    lp.unshift('head')
    lp.insert(3, '12345')
    lp.set(5, 'y'.repeat(200))
    lp.remove(7, 4)
    lp.pop()
    lp.shift()
    expect(lp.bytes).toBe(lpBytesOf(lp.entries))
    expect(lp.bytes).toBe(lpEncode(lp.entries).length)
    const copy = lp.clone()
    copy.push('more')
    expect(lp.bytes).toBe(lpBytesOf(lp.entries))
    expect(copy.bytes).toBe(lpBytesOf(copy.entries))
  })
})

describe('listpack as a deque', () => {
  it('keeps order, lookups and size through many unshifts and shifts', () => {
    const lp = new Listpack(['m'])
    const model = ['m']
    for (let i = 0; i < 100; i++) {
      lp.unshift(`h${i}`)
      model.unshift(`h${i}`)
      if (i % 3 === 0) {
        lp.push(String(i))
        model.push(String(i))
      }
    }
    for (let i = 0; i < 60; i++) expect(lp.shift()).toBe(model.shift())
    lp.insert(5, 'ins')
    model.splice(5, 0, 'ins')
    lp.set(0, 'first')
    model[0] = 'first'
    expect(lp.length).toBe(model.length)
    expect(lp.get(6)).toBe(model[6])
    expect(lp.find('ins')).toBe(5)
    expect(lp.remove(1, 2)).toEqual(model.splice(1, 2))
    expect(lp.entries).toEqual(model)
    expect(lp.bytes).toBe(lpBytesOf(model))
    while (lp.length > 0) expect(lp.pop()).toBe(model.pop())
    expect(lp.bytes).toBe(LP_EMPTY_BYTES)
    lp.unshift('again')
    expect(lp.entries).toEqual(['again'])
  })
})

describe('listpack bytes', () => {
  it('encodes an empty listpack as 07 00 00 00 00 00 FF', () => {
    expect(lpEncode([]).toString('hex')).toBe('07000000' + '0000' + 'ff')
  })

  it('matches the example list node a,b,1,2 from a real 7.0 RDB', () => {
    expect(lpEncode(['a', 'b', '1', '2']).toString('hex')).toBe('110000000400816102816202010102' + '01ff')
  })

  it('round-trips every encoding through lpDecode', () => {
    expect(lpDecode(lpEncode(BOUNDARY_ENTRIES))).toEqual(BOUNDARY_ENTRIES)
  })

  it('encodes the same bytes from a right, short or long size hint and from the scratch variant', () => {
    const exact = lpEncode(BOUNDARY_ENTRIES)
    for (const hint of [exact.length, exact.length - 3, exact.length + 5, 0]) {
      expect(lpEncode(BOUNDARY_ENTRIES, hint).equals(exact)).toBe(true)
      expect(lpEncodeTemp(BOUNDARY_ENTRIES, hint).equals(exact)).toBe(true)
      // Entries written one by one (zsets write integral scores as integers without a string).
      const written = lpEncodeTempWith(hint, BOUNDARY_ENTRIES.length, (w) => {
        for (const e of BOUNDARY_ENTRIES) {
          const v = lpEntryInt(e)
          if (v === null) w.entry(e)
          else w.int(v)
        }
      })
      expect(written.equals(exact)).toBe(true)
    }
    // Short entries cut from one decoded string and long ones copied come back the same.
    const mixed = ['a', 'x'.repeat(12), 'y'.repeat(13), 'z'.repeat(70), '\x00\xff', '12', 'w'.repeat(5000)]
    expect(lpDecode(lpEncodeTemp(mixed))).toEqual(mixed)
  })

  it('writes 65535 as the count when the real count does not fit and still decodes', () => {
    const many = Array.from({ length: 70000 }, (_, i) => String(i % 200))
    const buf = lpEncode(many)
    expect(buf.readUInt16LE(4)).toBe(65535)
    expect(lpDecode(buf)).toEqual(many)
  })

  it('rejects corrupt blobs with a clear error naming the offset', () => {
    const good = lpEncode(['a', 'hello', '300'])
    const bad = (mutate: (b: Buffer) => Buffer): string => {
      try {
        lpDecode(mutate(Buffer.from(good)))
        return 'accepted'
      } catch (e) {
        expect(e).toBeInstanceOf(ListpackError)
        return (e as Error).message
      }
    }
    expect(bad((b) => b.subarray(0, 5))).toMatch(/shorter than a header/)
    expect(bad((b) => Buffer.concat([b, Buffer.from([0])]))).toMatch(/header says \d+ bytes/)
    expect(
      bad((b) => {
        b[b.length - 1] = 0
        return b
      }),
    ).toMatch(/terminator/)
    expect(
      bad((b) => {
        b.writeUInt16LE(4, 4)
        return b
      }),
    ).toMatch(/counts 4 elements but 3/)
    expect(
      bad((b) => {
        b[6] = 0xf7
        return b
      }),
    ).toMatch(/offset 6: invalid entry encoding byte 0xf7/)
    expect(
      bad((b) => {
        b[8] = 5 // backlen of 'a'
        return b
      }),
    ).toMatch(/backlen 5 does not match/)
    expect(
      bad((b) => {
        b[9] = 0xbf // 'hello' claims 63 bytes
        return b
      }),
    ).toMatch(/runs past the end/)
  })
})

describe('listpack bytes equal what real redis-server writes', () => {
  let real: RealRedis | null = null
  let c: RawClient
  beforeAll(async () => {
    if (!requireProgram('redis-server')) return
    real = await startRealRedis(['--rdbcompression', 'no', '--hash-max-listpack-value', '100000'])
    c = await RawClient.connect(real.port)
  })
  afterAll(async () => {
    c?.close()
    await real?.close()
  })

  it('hash listpacks (DUMP of a listpack-encoded hash)', async () => {
    if (!real) return
    const entries: string[] = []
    BOUNDARY_ENTRIES.forEach((v, i) => entries.push(`f${i}`, v))
    await c.call('HSET', 'h', ...entries)
    expect(await c.call('OBJECT', 'ENCODING', 'h')).toBe('listpack')
    const dump = Buffer.from((await c.call('DUMP', 'h')) as string, 'latin1')
    const blob = hashListpackFromDump(dump)
    expect(lpEncode(entries).equals(blob)).toBe(true)
    expect(lpDecode(blob)).toEqual(entries)
  })

  it('list nodes (DUMP of a quicklist)', async () => {
    if (!real) return
    const entries = ['a', 'b', '1', '2', '-70000', 'q'.repeat(300), '18446744073709551616']
    await c.call('RPUSH', 'l', ...entries)
    const dump = Buffer.from((await c.call('DUMP', 'l')) as string, 'latin1')
    const nodes = listNodesFromDump(dump)
    expect(nodes.length).toBe(1)
    expect(lpEncode(entries).equals(nodes[0])).toBe(true)
  })
})
