import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RawClient, ReplyError, requireProgram, startServer, type TestServer } from './helpers.js'
import { eventsOnBoth, runOnBoth, type Step } from './compare.js'
import { stringEncoding } from '../src/types/string.js'
import { SetValue } from '../src/types/set.js'

const err = (m: string): ReplyError => new ReplyError(m)
const SYNTAX = err('ERR syntax error')
const NOT_INT = err('ERR value is not an integer or out of range')
const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value')

let t: TestServer
let c: RawClient
let propagated: string[][]
let events: string[]

beforeAll(async () => {
  t = await startServer(['--notify-keyspace-events', 'KEA'])
  t.srv.hooks.propagate.push((_db, argv) => propagated.push([...argv]))
  // Every event the commands raise, except `new` and `keymiss` (classes n and m, which KEA leaves off).
  t.srv.hooks.notify.push((cls, event, key) => {
    if (cls !== 'n' && cls !== 'm') events.push(`${cls}:${event}:${key}`)
  })
  c = await RawClient.connect(t.port)
})
afterAll(async () => {
  c.close()
  await t.close()
})
beforeEach(async () => {
  t.srv.keyspace.flushAll()
  propagated = []
  events = []
})

const db = (): (typeof t.srv.keyspace.dbs)[0] => t.srv.keyspace.dbs[0]

function encoding(key: string): string {
  const slot = db().find(key)
  return stringEncoding(db().dict.vals[slot] as string | number, db().dict.flags[slot])
}

/** Puts a set under key, for WRONGTYPE checks. */
function makeSet(key: string): void {
  db().set(key, SetValue.fromMembers(['member'], 512) as SetValue)
}

describe('GET and SET', () => {
  it('is binary safe for keys and values', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const key = Buffer.from('k\0\r\n\xff', 'latin1')
    expect(await c.call('SET', key, all)).toBe('OK')
    expect(await c.call('GET', key)).toBe(all.toString('latin1'))
    expect(await c.call('STRLEN', key)).toBe(256)
    expect(await c.call('GET', 'k')).toBe(null)
  })

  it('stores int, embstr and raw encodings as Redis does', async () => {
    await c.call(
      'MSET',
      'i',
      '12345',
      'neg',
      '-7',
      'big',
      '9223372036854775807',
      'lead0',
      '0123',
      'e44',
      'x'.repeat(44),
    )
    await c.call('SET', 'r45', 'x'.repeat(45))
    expect(typeof db().peek('i')).toBe('number')
    expect(encoding('i')).toBe('int')
    expect(encoding('neg')).toBe('int')
    expect(encoding('big')).toBe('int')
    expect(await c.call('GET', 'big')).toBe('9223372036854775807')
    expect(encoding('lead0')).toBe('embstr')
    expect(encoding('e44')).toBe('embstr')
    expect(encoding('r45')).toBe('raw')
    await c.call('APPEND', 'i', '6')
    expect(encoding('i')).toBe('raw')
    expect(await c.call('GET', 'i')).toBe('123456')
    await c.call('SETRANGE', 'e44', 0, 'y')
    expect(encoding('e44')).toBe('raw')
    await c.call('SETBIT', 'bits', 1, 1)
    expect(encoding('bits')).toBe('raw')
    // INCR turns a raw integer text back into the int encoding.
    expect(await c.call('INCR', 'i')).toBe(123457)
    expect(encoding('i')).toBe('int')
  })

  it('rejects conflicting SET options with a syntax error', async () => {
    for (const opts of [
      ['NX', 'XX'],
      ['XX', 'NX'],
      ['EX', '10', 'PX', '100'],
      ['PX', '10', 'EXAT', '100'],
      ['EXAT', '10', 'PXAT', '100'],
      ['KEEPTTL', 'EX', '10'],
      ['PX', '10', 'KEEPTTL'],
      ['EX'],
      ['PERSIST'],
      ['FOO'],
    ]) {
      expect(await c.call('SET', 'k', 'v', ...opts), opts.join(' ')).toEqual(SYNTAX)
    }
    expect(db().find('k')).toBe(-1)
    // Repeating an option is accepted and the last expire wins.
    expect(await c.call('SET', 'k', 'v', 'EX', '10', 'EX', '20', 'NX', 'NX')).toBe('OK')
    expect(db().getExpire('k') - t.srv.now()).toBeGreaterThan(19_000)
  })

  it('rejects zero, negative, non-integer and overflowing expire times', async () => {
    for (const [opt, val] of [
      ['EX', '0'],
      ['PX', '-1'],
      ['EXAT', '0'],
      ['PXAT', '-5'],
      ['EX', '9223372036854776'],
      ['PX', '9223372036854775807'],
    ]) {
      expect(await c.call('SET', 'k', 'v', opt, val), `${opt} ${val}`).toEqual(
        err("ERR invalid expire time in 'set' command"),
      )
    }
    expect(await c.call('SET', 'k', 'v', 'EX', '1.5')).toEqual(NOT_INT)
    expect(await c.call('SETEX', 'k', '0', 'v')).toEqual(err("ERR invalid expire time in 'setex' command"))
    expect(await c.call('PSETEX', 'k', '-10', 'v')).toEqual(err("ERR invalid expire time in 'psetex' command"))
    expect(await c.call('SETEX', 'k', 'x', 'v')).toEqual(NOT_INT)
    expect(db().find('k')).toBe(-1)
  })

  it('honours NX, XX, GET and KEEPTTL', async () => {
    expect(await c.call('SET', 'k', 'a', 'XX')).toBe(null)
    expect(await c.call('SET', 'k', 'a', 'NX')).toBe('OK')
    expect(await c.call('SET', 'k', 'b', 'NX')).toBe(null)
    expect(await c.call('SET', 'k', 'b', 'NX', 'GET')).toBe('a')
    expect(await c.call('SET', 'k', 'b', 'XX', 'GET')).toBe('a')
    expect(await c.call('SET', 'k', 'c', 'GET', 'PX', '100000')).toBe('b')
    const when = db().getExpire('k')
    expect(when).toBeGreaterThan(t.srv.now())
    expect(await c.call('SET', 'k', 'd', 'KEEPTTL')).toBe('OK')
    expect(db().getExpire('k')).toBe(when)
    expect(await c.call('SET', 'k', 'e')).toBe('OK')
    expect(db().getExpire('k')).toBe(0)
    expect(await c.call('SET', 'missing', 'v', 'GET')).toBe(null)
    makeSet('s')
    expect(await c.call('SET', 's', 'v', 'GET')).toEqual(WRONGTYPE)
    expect(await c.call('SET', 's', 'v')).toBe('OK')
  })

  it('expires keys set with a deadline in the past and accepts absolute times', async () => {
    const at = Date.now() + 100_000
    expect(await c.call('SET', 'k', 'v', 'PXAT', at)).toBe('OK')
    expect(db().getExpire('k')).toBe(at)
    expect(await c.call('SET', 'k', 'v', 'EXAT', Math.floor(at / 1000))).toBe('OK')
    expect(db().getExpire('k')).toBe(Math.floor(at / 1000) * 1000)
    expect(await c.call('SET', 'old', 'v', 'PXAT', 1)).toBe('OK')
    expect(await c.call('GET', 'old')).toBe(null)
  })

  it('propagates relative expiries as absolute PXAT and drops GET', async () => {
    await c.call('SET', 'a', 'v', 'EX', '100')
    await c.call('SETEX', 'b', '100', 'v')
    await c.call('PSETEX', 'c', '5000', 'v')
    await c.call('SET', 'd', 'v', 'PXAT', '99999999999999')
    await c.call('SET', 'd', 'w', 'GET', 'XX', 'get')
    await c.call('SET', 'e', 'v', 'NX')
    await c.call('SET', 'e', 'v', 'NX')
    expect(propagated.map((a) => a.slice(0, 4))).toEqual([
      ['SET', 'a', 'v', 'PXAT'],
      ['SET', 'b', 'v', 'PXAT'],
      ['SET', 'c', 'v', 'PXAT'],
      ['SET', 'd', 'v', 'PXAT'],
      ['SET', 'd', 'w', 'XX'],
      ['SET', 'e', 'v', 'NX'],
    ])
    expect(Number(propagated[0][4])).toBe(db().getExpire('a'))
    expect(Number(propagated[2][4])).toBe(db().getExpire('c'))
    expect(events).toEqual([
      '$:set:a',
      'g:expire:a',
      '$:set:b',
      'g:expire:b',
      '$:set:c',
      'g:expire:c',
      '$:set:d',
      'g:expire:d',
      '$:set:d',
      '$:set:e',
    ])
  })
})

describe('GETSET, GETDEL, GETEX', () => {
  it('GETSET replies the old value, clears the TTL and propagates as SET', async () => {
    expect(await c.call('GETSET', 'k', '1')).toBe(null)
    db().setExpire(db().find('k'), Date.now() + 100_000)
    expect(await c.call('GETSET', 'k', '2')).toBe('1')
    expect(db().getExpire('k')).toBe(0)
    makeSet('s')
    expect(await c.call('GETSET', 's', 'x')).toEqual(WRONGTYPE)
    expect(propagated[0]).toEqual(['SET', 'k', '1'])
  })

  it('GETDEL deletes and propagates DEL', async () => {
    await c.call('SET', 'k', 'v')
    expect(await c.call('GETDEL', 'k')).toBe('v')
    expect(await c.call('GETDEL', 'k')).toBe(null)
    makeSet('s')
    expect(await c.call('GETDEL', 's')).toEqual(WRONGTYPE)
    expect(propagated).toEqual([
      ['SET', 'k', 'v'],
      ['DEL', 'k'],
    ])
    expect(events).toEqual(['$:set:k', 'g:del:k'])
  })

  it('GETDEL and GETEX propagate UNLINK when lazyfree-lazy-user-del / lazyfree-lazy-expire are on', async () => {
    const s = await startServer(['--lazyfree-lazy-user-del', 'yes', '--lazyfree-lazy-expire', 'yes'])
    const seen: string[][] = []
    s.srv.hooks.propagate.push((_db, argv) => seen.push([...argv]))
    const d = await RawClient.connect(s.port)
    await d.call('MSET', 'a', '1', 'b', '2')
    expect(await d.call('GETDEL', 'a')).toBe('1')
    expect(await d.call('GETEX', 'b', 'EXAT', '1')).toBe('2')
    expect(seen.slice(1)).toEqual([
      ['UNLINK', 'a'],
      ['UNLINK', 'b'],
    ])
    d.close()
    await s.close()
  })

  it('GETEX sets, persists or deletes and propagates PEXPIREAT, PERSIST or DEL', async () => {
    await c.call('SET', 'k', 'v')
    expect(await c.call('GETEX', 'k')).toBe('v')
    expect(await c.call('GETEX', 'k', 'EX', '100')).toBe('v')
    const when = db().getExpire('k')
    expect(when).toBeGreaterThan(t.srv.now() + 99_000)
    expect(await c.call('GETEX', 'k', 'PERSIST')).toBe('v')
    expect(await c.call('GETEX', 'k', 'PERSIST')).toBe('v')
    expect(db().getExpire('k')).toBe(0)
    expect(await c.call('GETEX', 'k', 'PXAT', '1')).toBe('v')
    expect(await c.call('GET', 'k')).toBe(null)
    expect(propagated).toEqual([
      ['SET', 'k', 'v'],
      ['PEXPIREAT', 'k', String(when)],
      ['PERSIST', 'k'],
      ['DEL', 'k'],
    ])
    expect(events).toEqual(['$:set:k', 'g:expire:k', 'g:persist:k', 'g:del:k'])
  })

  it('GETEX validates options and times', async () => {
    await c.call('SET', 'k', 'v')
    expect(await c.call('GETEX')).toEqual(err("ERR wrong number of arguments for 'getex' command"))
    expect(await c.call('GETEX', 'k', 'EX')).toEqual(SYNTAX)
    expect(await c.call('GETEX', 'k', 'PERSIST', 'EX', '10')).toEqual(SYNTAX)
    expect(await c.call('GETEX', 'k', 'EX', '10', 'PX', '10')).toEqual(SYNTAX)
    expect(await c.call('GETEX', 'k', 'KEEPTTL')).toEqual(SYNTAX)
    expect(await c.call('GETEX', 'k', 'NX')).toEqual(SYNTAX)
    expect(await c.call('GETEX', 'k', 'EX', '0')).toEqual(err("ERR invalid expire time in 'getex' command"))
    expect(await c.call('GETEX', 'k', 'PX', 'abc')).toEqual(NOT_INT)
    // A missing key answers nil before the time is checked.
    expect(await c.call('GETEX', 'nope', 'EX', '-1')).toBe(null)
    makeSet('s')
    expect(await c.call('GETEX', 's', 'EX', '10')).toEqual(WRONGTYPE)
  })
})

describe('multi-key forms', () => {
  it('MGET, MSET and MSETNX', async () => {
    makeSet('s')
    expect(await c.call('MSET', 'a', '1', 'b', '2')).toBe('OK')
    expect(await c.call('MGET', 'a', 'b', 'nope', 's')).toEqual(['1', '2', null, null])
    expect(await c.call('MSET', 'a', '1', 'b')).toEqual(err("ERR wrong number of arguments for 'mset' command"))
    expect(await c.call('MSETNX', 'a', '1', 'b')).toEqual(err("ERR wrong number of arguments for 'msetnx' command"))
    expect(await c.call('MSETNX', 'x', '1', 'a', '9')).toBe(0)
    expect(await c.call('GET', 'x')).toBe(null)
    expect(await c.call('MSETNX', 'x', '1', 'x', '2')).toBe(1)
    expect(await c.call('GET', 'x')).toBe('2')
  })
})

describe('counters', () => {
  it('INCR, DECR, INCRBY, DECRBY over the whole int64 range', async () => {
    expect(await c.call('INCR', 'n')).toBe(1)
    expect(await c.call('DECRBY', 'n', 11)).toBe(-10)
    expect(await c.call('INCRBY', 'n', '9007199254740991')).toBe(9007199254740981)
    expect(await c.call('INCRBY', 'n', 20)).toBe(9007199254741001n)
    expect(await c.call('GET', 'n')).toBe('9007199254741001')
    expect(encoding('n')).toBe('int')
    await c.call('SET', 'n', '9223372036854775806')
    expect(await c.call('INCR', 'n')).toBe(9223372036854775807n)
    expect(await c.call('INCR', 'n')).toEqual(err('ERR increment or decrement would overflow'))
    expect(await c.call('GET', 'n')).toBe('9223372036854775807')
    await c.call('SET', 'm', '-9223372036854775808')
    expect(await c.call('DECR', 'm')).toEqual(err('ERR increment or decrement would overflow'))
    expect(await c.call('DECRBY', 'm', '-9223372036854775808')).toEqual(err('ERR decrement would overflow'))
    expect(await c.call('INCRBY', 'm', '9223372036854775807')).toBe(-1)
    expect(await c.call('INCRBY', 'm', '9223372036854775808')).toEqual(NOT_INT)
  })

  it('refuses values that are not canonical integers', async () => {
    for (const v of ['abc', ' 1', '1 ', '+1', '01', '-0', '1.0', '', '99999999999999999999']) {
      await c.call('SET', 'k', v)
      expect(await c.call('INCR', 'k'), JSON.stringify(v)).toEqual(NOT_INT)
    }
    expect(await c.call('INCRBY', 'k', 'x')).toEqual(NOT_INT)
    makeSet('s')
    expect(await c.call('INCR', 's')).toEqual(WRONGTYPE)
    expect(await c.call('INCRBYFLOAT', 's', '1')).toEqual(WRONGTYPE)
  })

  it('keeps the TTL and notifies incrby', async () => {
    await c.call('SET', 'k', '5', 'PX', '100000')
    const when = db().getExpire('k')
    expect(await c.call('INCR', 'k')).toBe(6)
    expect(db().getExpire('k')).toBe(when)
    expect(events).toEqual(['$:set:k', 'g:expire:k', '$:incrby:k'])
  })

  it('INCRBYFLOAT computes in long double like Redis and propagates SET KEEPTTL', async () => {
    await c.call('SET', 'f', '0.1')
    expect(await c.call('INCRBYFLOAT', 'f', '0.2')).toBe('0.3')
    expect(await c.call('INCRBYFLOAT', 'f', '1e-20')).toBe('0.3')
    expect(await c.call('INCRBYFLOAT', 'g', '10.5')).toBe('10.5')
    expect(await c.call('INCRBYFLOAT', 'g', '-10.5')).toBe('0')
    expect(await c.call('INCRBYFLOAT', 'g', '0x10')).toBe('16')
    expect(await c.call('INCRBYFLOAT', 'g', '5.0e3')).toBe('5016')
    expect(await c.call('INCRBYFLOAT', 'h', '0.000003814697265625')).toBe('0.00000381469726562')
    expect(propagated[1]).toEqual(['SET', 'f', '0.3', 'KEEPTTL'])
    expect(events).toContain('$:incrbyfloat:g')
  })

  it('INCRBYFLOAT refuses NaN, infinities and malformed floats', async () => {
    await c.call('SET', 'f', '1')
    for (const by of ['nan', 'abc', ' 1', '1 ', '', '1e', '1e-5000', '1e5000']) {
      expect(await c.call('INCRBYFLOAT', 'f', by), JSON.stringify(by)).toEqual(err('ERR value is not a valid float'))
    }
    expect(await c.call('INCRBYFLOAT', 'f', 'inf')).toEqual(err('ERR increment would produce NaN or Infinity'))
    expect(await c.call('INCRBYFLOAT', 'f', '-Infinity')).toEqual(err('ERR increment would produce NaN or Infinity'))
    await c.call('SET', 'huge', '1.1e4932')
    expect(await c.call('INCRBYFLOAT', 'huge', '1.1e4932')).toEqual(err('ERR increment would produce NaN or Infinity'))
    await c.call('SET', 'i', 'inf')
    expect(await c.call('INCRBYFLOAT', 'i', '1')).toEqual(err('ERR increment would produce NaN or Infinity'))
    await c.call('SET', 'w', 'word')
    expect(await c.call('INCRBYFLOAT', 'w', '1')).toEqual(err('ERR value is not a valid float'))
    expect(await c.call('GET', 'f')).toBe('1')
  })
})

describe('byte ranges', () => {
  it('APPEND, STRLEN, GETRANGE and SUBSTR', async () => {
    expect(await c.call('APPEND', 'k', 'Hello')).toBe(5)
    expect(await c.call('APPEND', 'k', ' World')).toBe(11)
    expect(await c.call('STRLEN', 'k')).toBe(11)
    expect(await c.call('STRLEN', 'nope')).toBe(0)
    expect(await c.call('GETRANGE', 'k', 0, 4)).toBe('Hello')
    expect(await c.call('GETRANGE', 'k', -5, -1)).toBe('World')
    expect(await c.call('GETRANGE', 'k', -1, -5)).toBe('')
    expect(await c.call('GETRANGE', 'k', 5, 1000)).toBe(' World')
    expect(await c.call('GETRANGE', 'k', '-9223372036854775808', '9223372036854775807')).toBe('Hello World')
    expect(await c.call('SUBSTR', 'k', 6, -1)).toBe('World')
    expect(await c.call('GETRANGE', 'nope', 0, -1)).toBe('')
    expect(await c.call('GETRANGE', 'k', 'a', 1)).toEqual(NOT_INT)
    await c.call('SET', 'n', 12345)
    expect(await c.call('GETRANGE', 'n', 1, 2)).toBe('23')
    expect(await c.call('STRLEN', 'n')).toBe(5)
    makeSet('s')
    for (const cmd of [
      ['APPEND', 's', 'x'],
      ['STRLEN', 's'],
      ['GETRANGE', 's', 0, 1],
      ['SETRANGE', 's', 0, 'x'],
    ]) {
      expect(await c.call(...cmd), cmd[0] as string).toEqual(WRONGTYPE)
    }
    expect(events).toEqual(['$:append:k', '$:append:k', '$:set:n'])
  })

  it('SETRANGE pads with zeros, keeps the TTL and enforces the size limit', async () => {
    expect(await c.call('SETRANGE', 'k', 3, 'ab')).toBe(5)
    expect(await c.call('GET', 'k')).toBe('\0\0\0ab')
    db().setExpire(db().find('k'), Date.now() + 100_000)
    expect(await c.call('SETRANGE', 'k', 1, 'XYZW')).toBe(5)
    expect(await c.call('GET', 'k')).toBe('\0XYZW')
    expect(db().getExpire('k')).toBeGreaterThan(0)
    expect(await c.call('SETRANGE', 'k', 1, '')).toBe(5)
    expect(await c.call('SETRANGE', 'nope', 10, '')).toBe(0)
    expect(db().find('nope')).toBe(-1)
    expect(await c.call('SETRANGE', 'k', -1, 'x')).toEqual(err('ERR offset is out of range'))
    expect(await c.call('SETRANGE', 'k', 'x', 'x')).toEqual(NOT_INT)
    const tooBig = err('ERR string exceeds maximum allowed size (proto-max-bulk-len)')
    expect(await c.call('SETRANGE', 'k', 536870912, 'x')).toEqual(tooBig)
    expect(await c.call('SETRANGE', 'k', 536870911, 'xy')).toEqual(tooBig)
    expect(await c.call('SETRANGE', 'other', '4294967296', 'x')).toEqual(tooBig)
    expect(await c.call('SETRANGE', 'other', 536870900, 'x')).toEqual(tooBig)
    expect(await c.call('SETRANGE', 'other', '9223372036854775807', 'x')).toEqual(tooBig)
    expect(db().find('other')).toBe(-1)
    expect(events.filter((e) => e.includes('setrange'))).toEqual(['$:setrange:k', '$:setrange:k'])
  })
})

describe('LCS', () => {
  it('answers the string, LEN and IDX with ranges', async () => {
    await c.call('MSET', 'key1', 'ohmytext', 'key2', 'mynewtext')
    expect(await c.call('LCS', 'key1', 'key2')).toBe('mytext')
    expect(await c.call('LCS', 'key1', 'key2', 'LEN')).toBe(6)
    expect(await c.call('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', 4, 'WITHMATCHLEN')).toEqual([
      'matches',
      [[[4, 7], [5, 8], 4]],
      'len',
      6,
    ])
    expect(await c.call('LCS', 'key1', 'key2', 'IDX')).toEqual([
      'matches',
      [
        [
          [4, 7],
          [5, 8],
        ],
        [
          [2, 3],
          [0, 1],
        ],
      ],
      'len',
      6,
    ])
    expect(await c.call('LCS', 'key1', 'nope')).toBe('')
    expect(await c.call('LCS', 'key1', 'key2', 'LEN', 'IDX')).toEqual(
      err('ERR If you want both the length and indexes, please just use IDX.'),
    )
    expect(await c.call('LCS', 'key1', 'key2', 'MINMATCHLEN')).toEqual(SYNTAX)
    expect(await c.call('LCS', 'key1', 'key2', 'MINMATCHLEN', 'x')).toEqual(NOT_INT)
    makeSet('s')
    expect(await c.call('LCS', 'key1', 's')).toEqual(err('ERR The specified keys must contain string values'))
  })

  it('answers IDX as a RESP3 map', async () => {
    const d = await RawClient.connect(t.port)
    await d.call('HELLO', '3')
    await d.call('MSET', 'a', 'abc', 'b', 'abc')
    const r = (await d.call('LCS', 'a', 'b', 'IDX')) as Map<string, unknown>
    expect(r.get('matches')).toEqual([
      [
        [0, 2],
        [0, 2],
      ],
    ])
    expect(r.get('len')).toBe(3)
    d.close()
  })
})

const SCRIPT: Step[] = [
  ['SET', 'k', 'v'],
  ['GET', 'k'],
  ['ENCODING', 'k'],
  ['SET', 'k', 'v', 'NX'],
  ['SET', 'k', 'w', 'XX', 'GET'],
  ['SET', 'k', 'w', 'NX', 'XX'],
  ['SET', 'k', 'w', 'EX', '10', 'PX', '10'],
  ['SET', 'k', 'w', 'KEEPTTL', 'PXAT', '10'],
  ['SET', 'k', 'w', 'EX', '0'],
  ['SET', 'k', 'w', 'EX', '-3'],
  ['SET', 'k', 'w', 'EX', 'ten'],
  ['SET', 'k', 'w', 'PX', '9223372036854775807'],
  ['SET', 'k', 'w', 'EX', '9223372036854775'],
  ['SET', 'k', 'w', 'EX'],
  ['SET', 'k', 'w', 'PERSIST'],
  ['SET', 'k', 'w', 'ex', '100', 'get'],
  ['SET', 'nokey', 'w', 'XX'],
  ['SET', 'nokey', 'w', 'XX', 'GET'],
  ['SET'],
  ['SET', 'k'],
  ['SETNX', 'k', 'x'],
  ['SETNX', 'k2', 'x'],
  ['SETEX', 'k3', '0', 'x'],
  ['SETEX', 'k3', '100', 'x'],
  ['PSETEX', 'k3', '-1', 'x'],
  ['PSETEX', 'k3', '100000', 'y'],
  ['GET', 'k3'],
  ['GETSET', 'k3', 'z'],
  ['GETSET', 'new', 'z'],
  ['GETDEL', 'new'],
  ['GETDEL', 'new'],
  ['GETEX', 'k3'],
  ['GETEX', 'k3', 'EX', '100'],
  ['GETEX', 'k3', 'PERSIST'],
  ['GETEX', 'k3', 'PERSIST', 'PERSIST'],
  ['GETEX', 'k3', 'EX', '10', 'PERSIST'],
  ['GETEX', 'k3', 'EX', '0'],
  ['GETEX', 'k3', 'GET'],
  ['GETEX', 'missing', 'EX', '0'],
  ['GETEX', 'k3', 'PXAT', '1'],
  ['GET', 'k3'],
  ['MSET', 'a', '1', 'b', '2', 'c'],
  ['MSET', 'a', '1', 'b', '2', 'c', '3'],
  ['MGET', 'a', 'b', 'c', 'nokey', 'set'],
  ['MSETNX', 'a', '1', 'zz', '2'],
  ['MSETNX', 'zz', '1', 'zz', '2'],
  ['MGET', 'zz'],
  ['ENCODING', 'a'],
  ['INCR', 'a'],
  ['INCRBY', 'a', '-100'],
  ['DECR', 'a'],
  ['DECRBY', 'a', '-9223372036854775808'],
  ['DECRBY', 'a', '9223372036854775807'],
  ['DECRBY', 'a', '1'],
  ['DECRBY', 'a', '1'],
  ['GET', 'a'],
  ['SET', 'a', '9007199254740992'],
  ['INCR', 'a'],
  ['INCR', 'a'],
  ['ENCODING', 'a'],
  ['INCRBY', 'a', '9223372036854775807'],
  ['SET', 'a', '  12'],
  ['INCR', 'a'],
  ['SET', 'a', '12'],
  ['APPEND', 'a', '3'],
  ['ENCODING', 'a'],
  ['INCR', 'a'],
  ['ENCODING', 'a'],
  ['INCRBY', 'a', '1.5'],
  ['INCRBYFLOAT', 'a', '1.5'],
  ['INCRBYFLOAT', 'a', '-0.25'],
  ['INCRBYFLOAT', 'fl', '0.1'],
  ['INCRBYFLOAT', 'fl', '0.2'],
  ['INCRBYFLOAT', 'fl', '1e-17'],
  ['INCRBYFLOAT', 'fl', '-0.3'],
  ['INCRBYFLOAT', 'fl', '3.0e3'],
  ['INCRBYFLOAT', 'fl', '1.7976931348623157e308'],
  ['INCRBYFLOAT', 'fl', '1e4000'],
  ['INCRBYFLOAT', 'fl', '-1e4000'],
  ['INCRBYFLOAT', 'fl2', '-1.5e-7'],
  ['INCRBYFLOAT', 'fl2', '0x1p-3'],
  ['INCRBYFLOAT', 'fl2', 'inf'],
  ['INCRBYFLOAT', 'fl2', 'nan'],
  ['INCRBYFLOAT', 'fl2', '1e400'],
  ['INCRBYFLOAT', 'fl2', '1e-400'],
  ['INCRBYFLOAT', 'fl2', '5e-4951'],
  ['INCRBYFLOAT', 'fl2', '.'],
  ['INCRBYFLOAT', 'fl2', '-.5'],
  ['INCRBYFLOAT', 'fl2', '123456789012345678901234567890'],
  ['INCRBYFLOAT', 'k', '1'],
  ['APPEND', 'ap', 'x'],
  ['ENCODING', 'ap'],
  ['APPEND', 'ap', 'yz'],
  ['ENCODING', 'ap'],
  ['STRLEN', 'ap'],
  ['STRLEN', 'nokey'],
  ['GETRANGE', 'ap', '0', '-1'],
  ['GETRANGE', 'ap', '-100', '1'],
  ['GETRANGE', 'ap', '2', '1'],
  ['GETRANGE', 'ap', '-1', '-2'],
  ['GETRANGE', 'ap', '5', '10'],
  ['GETRANGE', 'ap', 'x', '10'],
  ['SUBSTR', 'ap', '1', '1'],
  ['SETRANGE', 'ap', '1', 'Q'],
  ['ENCODING', 'ap'],
  ['SETRANGE', 'ap', '6', 'end'],
  ['GET', 'ap'],
  ['SETRANGE', 'sr', '0', ''],
  ['SETRANGE', 'sr', '2', 'ab'],
  ['ENCODING', 'sr'],
  ['SETRANGE', 'sr', '-1', 'ab'],
  ['SETRANGE', 'sr', '536870911', 'ab'],
  ['SETRANGE', 'sr', '536870911', ''],
  ['SET', 'num', '42'],
  ['SETRANGE', 'num', '0', '5'],
  ['ENCODING', 'num'],
  ['SET', 'e44', 'x'.repeat(44)],
  ['ENCODING', 'e44'],
  ['SET', 'e45', 'x'.repeat(45)],
  ['ENCODING', 'e45'],
  ['SET', 'big', '-9223372036854775808'],
  ['ENCODING', 'big'],
  ['SET', 'big', '9223372036854775808'],
  ['ENCODING', 'big'],
  ['SET', 'bin', Buffer.from([0, 1, 2, 255, 13, 10])],
  ['GET', 'bin'],
  ['APPEND', 'bin', Buffer.from([0, 200])],
  ['GETRANGE', 'bin', '-3', '-1'],
  ['MSET', 'l1', 'ohmytext', 'l2', 'mynewtext'],
  ['LCS', 'l1', 'l2'],
  ['LCS', 'l1', 'l2', 'LEN'],
  ['LCS', 'l1', 'l2', 'IDX'],
  ['LCS', 'l1', 'l2', 'IDX', 'WITHMATCHLEN'],
  ['LCS', 'l1', 'l2', 'IDX', 'MINMATCHLEN', '3', 'WITHMATCHLEN'],
  ['LCS', 'l1', 'l2', 'IDX', 'MINMATCHLEN', '-3'],
  ['LCS', 'l1', 'l2', 'LEN', 'IDX'],
  ['LCS', 'l1', 'l2', 'FOO'],
  ['LCS', 'l1', 'nokey', 'IDX'],
  ['LCS', 'nokey', 'nokey2'],
  ['MSET', 'l3', 'abcabcabcXYZ', 'l4', 'XabcYZcab'],
  ['LCS', 'l3', 'l4', 'IDX', 'WITHMATCHLEN'],
  ['LCS', 'l4', 'l3', 'IDX'],
  ['SADD', 'set', 'm'],
  ['GET', 'set'],
  ['SET', 'set', 'x', 'GET'],
  ['GETSET', 'set', 'x'],
  ['GETDEL', 'set'],
  ['GETEX', 'set', 'PERSIST'],
  ['INCR', 'set'],
  ['DECRBY', 'set', '2'],
  ['INCRBYFLOAT', 'set', '2'],
  ['APPEND', 'set', 'x'],
  ['STRLEN', 'set'],
  ['GETRANGE', 'set', '0', '1'],
  ['SETRANGE', 'set', '0', 'x'],
  ['SETRANGE', 'set', '-1', 'x'],
  ['LCS', 'set', 'l1'],
  ['SETNX', 'set', 'x'],
  ['MSETNX', 'set', 'x'],
  ['SET', 'set', 'plain'],
  ['GET', 'set'],
]

/** INCRBYFLOAT operands of every shape and magnitude, from a fixed seed so every run is the same. */
function floatScript(): Step[] {
  let seed = 12345
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed / 2 ** 32
  }
  const int = (n: number): number => Math.floor(rand() * n)
  const digits = (n: number): string => Array.from({ length: n }, () => String(int(10))).join('')
  const operand = (): string => {
    const sign = ['', '-', '+'][int(3)]
    switch (int(5)) {
      case 0:
        return sign + digits(1 + int(8)) + '.' + digits(1 + int(20))
      case 1:
        return sign + digits(1 + int(3)) + 'e' + (int(2) ? '-' : '') + int(40)
      case 2:
        return sign + '0.' + '0'.repeat(int(25)) + digits(1 + int(6))
      case 3:
        return sign + '0x' + int(4096).toString(16) + '.' + int(256).toString(16) + 'p' + (int(60) - 30)
      default:
        return sign + digits(1 + int(25))
    }
  }
  const script: Step[] = []
  for (let i = 0; i < 150; i++) {
    if (i % 10 === 0) script.push(['SET', 'f', operand()])
    script.push(['INCRBYFLOAT', 'f', operand()])
  }
  return script
}

/** Random strings edited and read by range, and LCS over a small alphabet so matches split often. */
function rangeScript(): Step[] {
  let seed = 99
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return Math.floor((seed / 2 ** 32) * n)
  }
  const word = (max: number, alphabet: string): string =>
    Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]).join('')
  const script: Step[] = []
  for (let i = 0; i < 60; i++) {
    const key = `s${rand(4)}`
    switch (rand(5)) {
      case 0:
        script.push(['SETRANGE', key, rand(12), word(5, 'xyz\0\xff')])
        break
      case 1:
        script.push(['APPEND', key, word(4, 'abc')])
        break
      case 2:
        script.push(['GETRANGE', key, rand(30) - 15, rand(30) - 15])
        break
      case 3:
        script.push(['SET', `l${rand(2)}`, word(14, 'ab1')])
        break
      default:
        script.push(['LCS', 'l0', 'l1', 'IDX', 'MINMATCHLEN', rand(3), 'WITHMATCHLEN'], ['LCS', 'l1', 'l0'])
    }
    script.push(['GET', key], ['ENCODING', key])
  }
  return script
}

const FAMILY = ['get', 'set', 'setnx', 'setex', 'psetex', 'getset', 'getdel', 'getex', 'mget', 'mset', 'msetnx']
  .concat(['incr', 'decr', 'incrby', 'decrby', 'incrbyfloat', 'append', 'strlen', 'getrange', 'substr', 'setrange'])
  .concat(['lcs', 'setbit', 'getbit', 'bitcount', 'bitpos', 'bitop'])

describe('compared with redis-server 7.0', () => {
  it.runIf(requireProgram('redis-server'))('declares the same arity, flags, keys and ACL categories', async () => {
    const { engine, redis } = await runOnBoth([['COMMAND', 'INFO', ...FAMILY]])
    // Name, arity, flags, first key, last key, step, categories: what the command table declares.
    const table = (r: (typeof engine)[0]): unknown => (r.reply as unknown[][]).map((info) => info.slice(0, 7))
    expect(table(engine[0])).toEqual(table(redis[0]))
  })

  it.runIf(requireProgram('redis-server'))('computes INCRBYFLOAT digit for digit like Redis', async () => {
    const script = floatScript()
    const { engine, redis } = await runOnBoth(script)
    expect(engine).toEqual(redis)
  })

  it.runIf(requireProgram('redis-server'))('gives identical replies to a script of string commands', async () => {
    const { engine, redis } = await runOnBoth(SCRIPT)
    expect(engine.length).toBe(SCRIPT.length)
    expect(engine).toEqual(redis)
  })

  it.runIf(requireProgram('redis-server'))('agrees on random range edits and LCS matches', async () => {
    const script = rangeScript()
    const { engine, redis } = await runOnBoth(script)
    expect(engine).toEqual(redis)
  })

  it.runIf(requireProgram('redis-server'))('publishes the same keyspace events for the script', async () => {
    const { engine, redis } = await eventsOnBoth(SCRIPT)
    expect(engine.length).toBeGreaterThan(100)
    expect(engine).toEqual(redis)
  })

  it.runIf(requireProgram('redis-server'))('gives identical replies to the same script over RESP3', async () => {
    const { engine, redis } = await runOnBoth(SCRIPT, true)
    expect(engine.length).toBe(SCRIPT.length)
    expect(engine).toEqual(redis)
  })
})
