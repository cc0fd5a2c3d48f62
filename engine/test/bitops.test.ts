import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RawClient, ReplyError, requireProgram, startServer, type TestServer } from './helpers.js'
import { eventsOnBoth, runOnBoth, type Step } from './compare.js'
import { FLAG_RAW } from '../src/keyspace/dict.js'
import { SetValue } from '../src/types/set.js'

const err = (m: string): ReplyError => new ReplyError(m)
const SYNTAX = err('ERR syntax error')
const NOT_INT = err('ERR value is not an integer or out of range')
const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value')
const BAD_OFFSET = err('ERR bit offset is not an integer or out of range')

let t: TestServer
let c: RawClient
let events: string[]
let propagated: string[][]

beforeAll(async () => {
  t = await startServer(['--notify-keyspace-events', 'KEA'])
  // Every event the commands raise, except `new` and `keymiss` (classes n and m, which KEA leaves off).
  t.srv.hooks.notify.push((cls, event, key) => {
    if (cls !== 'n' && cls !== 'm') events.push(`${cls}:${event}:${key}`)
  })
  t.srv.hooks.propagate.push((_db, argv) => propagated.push([...argv]))
  c = await RawClient.connect(t.port)
})
afterAll(async () => {
  c.close()
  await t.close()
})
beforeEach(() => {
  t.srv.keyspace.flushAll()
  events = []
  propagated = []
})

const db = (): (typeof t.srv.keyspace.dbs)[0] => t.srv.keyspace.dbs[0]
const bytes = (...b: number[]): Buffer => Buffer.from(b)

describe('SETBIT and GETBIT', () => {
  it('sets bits most significant first, grows with zeros and replies the old bit', async () => {
    expect(await c.call('SETBIT', 'k', 7, 1)).toBe(0)
    expect(await c.call('GET', 'k')).toBe('\x01')
    expect(await c.call('SETBIT', 'k', 7, 1)).toBe(1)
    expect(await c.call('SETBIT', 'k', 17, 1)).toBe(0)
    expect(await c.call('GET', 'k')).toBe('\x01\x00\x40')
    expect(await c.call('SETBIT', 'k', 7, 0)).toBe(1)
    expect(await c.call('GETBIT', 'k', 17)).toBe(1)
    expect(await c.call('GETBIT', 'k', 16)).toBe(0)
    expect(await c.call('GETBIT', 'k', 1000)).toBe(0)
    expect(await c.call('GETBIT', 'nope', 3)).toBe(0)
    expect(db().dict.flags[db().find('k')] & FLAG_RAW).toBe(FLAG_RAW)
    // '1' is 0x31: bits 2, 3 and 7 are set, read from the int encoding's text.
    await c.call('SET', 'n', 1)
    expect(await c.call('GETBIT', 'n', 2)).toBe(1)
    expect(await c.call('GETBIT', 'n', 7)).toBe(1)
    expect(await c.call('GETBIT', 'n', 0)).toBe(0)
  })

  it('counts a change only when the key is created, grows or the bit flips', async () => {
    await c.call('SETBIT', 'k', 3, 1)
    await c.call('SETBIT', 'k', 3, 1)
    await c.call('SETBIT', 'k', 20, 0)
    await c.call('SETBIT', 'k', 20, 0)
    expect(events).toEqual(['$:setbit:k', '$:setbit:k'])
    expect(propagated.length).toBe(2)
  })

  it('keeps the TTL', async () => {
    await c.call('SET', 'k', 'a', 'PX', 100000)
    const when = db().getExpire('k')
    await c.call('SETBIT', 'k', 100, 1)
    expect(db().getExpire('k')).toBe(when)
  })

  it('validates offsets and bit values', async () => {
    for (const off of ['-1', 'x', '1.5', '4294967296', '9223372036854775807']) {
      expect(await c.call('SETBIT', 'k', off, 1), off).toEqual(BAD_OFFSET)
      expect(await c.call('GETBIT', 'k', off), off).toEqual(BAD_OFFSET)
    }
    for (const bit of ['2', '-1', 'on', '']) {
      expect(await c.call('SETBIT', 'k', 0, bit), bit).toEqual(err('ERR bit is not an integer or out of range'))
    }
    // The last bytes below 512MB exceed what a V8 string can hold: refused before any allocation.
    expect(await c.call('SETBIT', 'k', 8 * 536870900, 1)).toEqual(BAD_OFFSET)
    expect(await c.call('GETBIT', 'k', 8 * 536870900)).toBe(0)
    expect(db().find('k')).toBe(-1)
    db().set('s', SetValue.fromMembers(['a'], 512) as SetValue)
    expect(await c.call('SETBIT', 's', 0, 1)).toEqual(WRONGTYPE)
    expect(await c.call('GETBIT', 's', 0)).toEqual(WRONGTYPE)
    expect(await c.call('BITCOUNT', 's')).toEqual(WRONGTYPE)
    expect(await c.call('BITPOS', 's', 1)).toEqual(WRONGTYPE)
    expect(await c.call('BITOP', 'AND', 'd', 'k', 's')).toEqual(WRONGTYPE)
  })
})

describe('BITCOUNT', () => {
  it('counts bytes or bits in a range, negative indexes from the end', async () => {
    await c.call('SET', 'k', 'foobar')
    expect(await c.call('BITCOUNT', 'k')).toBe(26)
    expect(await c.call('BITCOUNT', 'k', 0, 0)).toBe(4)
    expect(await c.call('BITCOUNT', 'k', 1, 1)).toBe(6)
    expect(await c.call('BITCOUNT', 'k', 1, 1, 'BYTE')).toBe(6)
    expect(await c.call('BITCOUNT', 'k', 5, 30, 'BIT')).toBe(17)
    expect(await c.call('BITCOUNT', 'k', -2, -1)).toBe(7)
    expect(await c.call('BITCOUNT', 'k', -1, -2)).toBe(0)
    expect(await c.call('BITCOUNT', 'k', '-9223372036854775808', '9223372036854775807', 'bit')).toBe(26)
    expect(await c.call('BITCOUNT', 'k', 0)).toEqual(SYNTAX)
    expect(await c.call('BITCOUNT', 'k', 0, 1, 'BITS')).toEqual(SYNTAX)
    expect(await c.call('BITCOUNT', 'k', 'a', 1)).toEqual(NOT_INT)
    // Redis 7.0 answers 0 for a missing key before it looks at the range.
    expect(await c.call('BITCOUNT', 'nope', 'a', 'b')).toBe(0)
  })
})

describe('BITPOS', () => {
  it('finds set and clear bits, with the zero padding rule for clear bits', async () => {
    await c.call('SET', 'k', bytes(0xff, 0xf0, 0x00))
    expect(await c.call('BITPOS', 'k', 0)).toBe(12)
    expect(await c.call('BITPOS', 'k', 1, 2)).toBe(-1)
    expect(await c.call('BITPOS', 'k', 1, 1, -1)).toBe(8)
    expect(await c.call('BITPOS', 'k', 1, 10, -1, 'BIT')).toBe(10)
    expect(await c.call('BITPOS', 'k', 0, 3, 11, 'BIT')).toBe(-1)
    await c.call('SET', 'ones', bytes(0xff, 0xff))
    expect(await c.call('BITPOS', 'ones', 0)).toBe(16)
    expect(await c.call('BITPOS', 'ones', 0, 1)).toBe(16)
    expect(await c.call('BITPOS', 'ones', 0, 0, -1)).toBe(-1)
    expect(await c.call('BITPOS', 'nope', 0)).toBe(0)
    expect(await c.call('BITPOS', 'nope', 1)).toBe(-1)
    expect(await c.call('BITPOS', 'k', 2)).toEqual(err('ERR The bit argument must be 1 or 0.'))
    expect(await c.call('BITPOS', 'k', 'x')).toEqual(NOT_INT)
    expect(await c.call('BITPOS', 'k', 1, 0, -1, 'FOO')).toEqual(SYNTAX)
    expect(await c.call('BITPOS', 'k', 1, 0, -1, 'BIT', 'x')).toEqual(SYNTAX)
    expect(await c.call('BITPOS', 'k', 1, 'a')).toEqual(NOT_INT)
  })
})

describe('BITOP', () => {
  it('combines strings of different lengths and stores a raw result without TTL', async () => {
    await c.call('SET', 'a', bytes(0xf0, 0x0f, 0xaa))
    await c.call('SET', 'b', bytes(0xff, 0x01))
    await c.call('SET', 'dest', 'old', 'PX', 100000)
    expect(await c.call('BITOP', 'AND', 'dest', 'a', 'b')).toBe(3)
    expect(await c.call('GET', 'dest')).toBe('\xf0\x01\x00')
    expect(db().getExpire('dest')).toBe(0)
    expect(db().dict.flags[db().find('dest')] & FLAG_RAW).toBe(FLAG_RAW)
    expect(await c.call('BITOP', 'or', 'dest', 'a', 'b', 'nope')).toBe(3)
    expect(await c.call('GET', 'dest')).toBe('\xff\x0f\xaa')
    expect(await c.call('BITOP', 'XOR', 'dest', 'a', 'b')).toBe(3)
    expect(await c.call('GET', 'dest')).toBe('\x0f\x0e\xaa')
    expect(await c.call('BITOP', 'NOT', 'dest', 'b')).toBe(2)
    expect(await c.call('GET', 'dest')).toBe('\x00\xfe')
    expect(await c.call('BITOP', 'NOT', 'dest', 'a', 'b')).toEqual(
      err('ERR BITOP NOT must be called with a single source key.'),
    )
    expect(await c.call('BITOP', 'NAND', 'dest', 'a')).toEqual(SYNTAX)
    // Only empty sources: the destination is deleted.
    expect(await c.call('BITOP', 'OR', 'dest', 'nope', 'nope2')).toBe(0)
    expect(db().find('dest')).toBe(-1)
    expect(events.slice(-2)).toEqual(['$:set:dest', 'g:del:dest'])
  })
})

/** A small deterministic PRNG so the compared script is the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function bitScript(): Step[] {
  const rand = prng(7)
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1))
  const script: Step[] = []
  const patterns = [0x00, 0xff, 0x0f, 0xf0, 0x80, 0x01]
  for (let n = 0; n < 12; n++) {
    const len = int(0, 6)
    const buf = Buffer.from(Array.from({ length: len }, () => (rand() < 0.5 ? patterns[int(0, 5)] : int(0, 255))))
    script.push(['SET', `b${n}`, buf])
    script.push(['BITCOUNT', `b${n}`])
    script.push(['BITPOS', `b${n}`, int(0, 1)])
    for (let i = 0; i < 8; i++) {
      const unit = ['BYTE', 'BIT', 'byte', 'bit'][int(0, 3)]
      const span = unit.toUpperCase() === 'BIT' ? 60 : 8
      const start = String(int(-span, span))
      const end = String(int(-span, span))
      script.push(['BITCOUNT', `b${n}`, start, end, unit])
      script.push(['BITPOS', `b${n}`, int(0, 1), start])
      script.push(['BITPOS', `b${n}`, int(0, 1), start, end])
      script.push(['BITPOS', `b${n}`, int(0, 1), start, end, unit])
    }
  }
  for (const op of ['AND', 'OR', 'XOR']) {
    script.push(['BITOP', op, 'dst', 'b1', 'b2', 'b3', 'missing'])
    script.push(['GET', 'dst'])
    script.push(['ENCODING', 'dst'])
  }
  script.push(['BITOP', 'NOT', 'dst', 'b4'], ['GET', 'dst'])
  script.push(['SETBIT', 'sb', '100', '1'], ['ENCODING', 'sb'], ['SETBIT', 'sb', '100', '1'], ['GET', 'sb'])
  script.push(['SET', 'num', '12'], ['SETBIT', 'num', '6', '1'], ['GET', 'num'], ['ENCODING', 'num'])
  script.push(['SET', 'num2', '255'], ['GETBIT', 'num2', '6'], ['BITCOUNT', 'num2'], ['BITPOS', 'num2', '0'])
  script.push(['SETBIT', 'sb', '4294967296', '1'], ['SETBIT', 'sb', '-1', '1'], ['SETBIT', 'sb', '1', '2'])
  script.push(['BITCOUNT', 'missing', 'x', 'y'], ['BITCOUNT', 'sb', '0'], ['BITPOS', 'missing', '1', 'x'])
  script.push(['BITPOS', 'sb', '1', '0', '-1', 'bits'], ['BITOP', 'not', 'dst', 'a', 'b'], ['BITOP', 'and', 'dst'])
  return script
}

describe('compared with redis-server 7.0', () => {
  it.runIf(requireProgram('redis-server'))('gives identical replies for random bitmaps and ranges', async () => {
    const script = bitScript()
    const { engine, redis } = await runOnBoth(script)
    expect(engine.length).toBe(script.length)
    expect(engine).toEqual(redis)
  })

  it.runIf(requireProgram('redis-server'))('publishes the same keyspace events', async () => {
    const { engine, redis } = await eventsOnBoth(bitScript())
    expect(engine.length).toBeGreaterThan(20)
    expect(engine).toEqual(redis)
  })
})
