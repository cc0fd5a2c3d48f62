import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RawClient, requireProgram, startServer, type Reply, type TestServer } from './helpers.js'
import { labelled, runBoth, sortedReply, startPair, type Pair, type Step } from './compare.js'
import { HashValue } from '../src/types/hash.js'
import { lpBytesOf } from '../src/types/listpack.js'

const HAVE_REDIS = requireProgram('redis-server')

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

const LIMITS = { maxEntries: 512, maxValue: 64 }

describe('hash value encodings', () => {
  it('stays a listpack up to the entry limit and converts one way past it', () => {
    const h = new HashValue()
    for (let i = 0; i < 512; i++) h.set(`f${i}`, String(i), LIMITS)
    expect(h.encoding()).toBe('listpack')
    expect(h.lp?.bytes).toBe(lpBytesOf(h.lp?.entries ?? []))
    h.set('f512', 'x', LIMITS)
    expect(h.encoding()).toBe('hashtable')
    for (let i = 0; i < 500; i++) h.delete(`f${i}`)
    expect(h.length).toBe(13)
    expect(h.encoding()).toBe('hashtable')
    expect(h.get('f511')).toBe('511')
  })

  it('converts for a value or field one byte over the value limit', () => {
    const h = new HashValue()
    h.set('f', 'v'.repeat(64), LIMITS)
    expect(h.encoding()).toBe('listpack')
    h.set('f'.repeat(65), 'v', LIMITS)
    expect(h.encoding()).toBe('hashtable')
    expect(h.get('f')).toBe('v'.repeat(64))
  })

  it('keeps values, order and encoding through clone and builds from pairs', () => {
    const h = HashValue.fromPairs(['a', '1', 'b', '2'], LIMITS)
    const copy = h.clone()
    h.set('a', 'changed', LIMITS)
    expect([...copy.entries()]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ])
    expect(HashValue.fromPairs(['a', 'x'.repeat(65)], LIMITS).encoding()).toBe('hashtable')
    const big = HashValue.fromPairs(
      Array.from({ length: 1026 }, (_, i) => String(i)),
      LIMITS,
    )
    expect(big.encoding()).toBe('hashtable')
    expect(big.clone().get('1024')).toBe('1025')
    expect(big.memoryUsage()).toBeGreaterThan(h.memoryUsage())
  })
})

const UNORDERED = new Set(['hkeys', 'hvals', 'hgetall', 'hscan'])
const RANDOM_STEPS = new Set<Step>()
const random = (...step: string[]): Step => {
  RANDOM_STEPS.add(step)
  return step
}

/** Random picks are compared by shape: their size, or the type of a single pick. */
function normalise(s: Step, r: Reply): Reply {
  if (RANDOM_STEPS.has(s)) return Array.isArray(r) ? r.length : typeof r
  if (r instanceof Map) return sortedReply([...r.entries()].map(([k, v]) => `${String(k)}=${String(v)}`))
  return UNORDERED.has(String(s[0]).toLowerCase()) ? sortedReply(r) : r
}

function coverageScript(): Step[] {
  return [
    ['HSET', 'h', 'a', '1', 'b', '2', 'c', 'three'],
    ['HSET', 'h', 'a', '10', 'd', '4'],
    ['HSET', 'h', 'a'],
    ['HSET', 'h', 'a', '1', 'b'],
    ['HMSET', 'h', 'e', '5'],
    ['HMSET', 'h', 'e'],
    ['HSETNX', 'h', 'a', 'x'],
    ['HSETNX', 'h', 'z', 'x'],
    ['HSETNX', 'new', 'f', 'v'],
    ['HGET', 'h', 'a'],
    ['HGET', 'h', 'nope'],
    ['HGET', 'nokey', 'a'],
    ['HMGET', 'h', 'a', 'nope', 'c'],
    ['HMGET', 'nokey', 'a', 'b'],
    ['HEXISTS', 'h', 'a'],
    ['HEXISTS', 'h', 'nope'],
    ['HEXISTS', 'nokey', 'a'],
    ['HLEN', 'h'],
    ['HLEN', 'nokey'],
    ['HSTRLEN', 'h', 'c'],
    ['HSTRLEN', 'h', 'a'],
    ['HSTRLEN', 'h', 'nope'],
    ['HSTRLEN', 'nokey', 'a'],
    ['HKEYS', 'h'],
    ['HVALS', 'h'],
    ['HGETALL', 'h'],
    ['HKEYS', 'nokey'],
    ['HGETALL', 'nokey'],
    ['HDEL', 'h', 'a', 'nope', 'b'],
    ['HDEL', 'h', 'nope'],
    ['HDEL', 'nokey', 'a'],
    ['HDEL', 'new', 'f'],
    ['EXISTS', 'new'],
    ['HINCRBY', 'h', 'n', '5'],
    ['HINCRBY', 'h', 'n', '-15'],
    ['HINCRBY', 'h', 'c', '1'],
    ['HINCRBY', 'h', 'n', 'x'],
    ['HINCRBY', 'h', 'n', '1.5'],
    ['HINCRBY', 'h', 'big', '9223372036854775807'],
    ['HINCRBY', 'h', 'big', '1'],
    ['HINCRBY', 'h', 'neg', '-9223372036854775808'],
    ['HINCRBY', 'h', 'neg', '-1'],
    ['HINCRBY', 'fresh', 'f', '7'],
    ['HINCRBYFLOAT', 'h', 'fl', '10.5'],
    ['HINCRBYFLOAT', 'h', 'fl', '0.1'],
    ['HINCRBYFLOAT', 'h', 'fl', '-5e3'],
    ['HINCRBYFLOAT', 'h', 'n', '0.25'],
    ['HINCRBYFLOAT', 'h', 'c', '1'],
    ['HINCRBYFLOAT', 'h', 'fl', 'x'],
    ['HINCRBYFLOAT', 'h', 'fl', 'inf'],
    ['HINCRBYFLOAT', 'h', 'fl', 'nan'],
    ['HINCRBYFLOAT', 'fresh2', 'f', '3.0'],
    ['HGETALL', 'h'],
    ['HRANDFIELD', 'nokey'],
    ['HRANDFIELD', 'nokey', '5'],
    ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '0'],
    ['HRANDFIELD', 'h', '1', 'WITHVALUE'],
    ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
    ['HRANDFIELD', 'h', 'x'],
    ['HRANDFIELD', 'h', '-9223372036854775808'],
    ['HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES'],
    ['HRANDFIELD', 'h', '100'],
    ['HRANDFIELD', 'h', '100', 'WITHVALUES'],
    random('HRANDFIELD', 'h'),
    random('HRANDFIELD', 'h', '1'),
    random('HRANDFIELD', 'h', '3'),
    random('HRANDFIELD', 'h', '3', 'WITHVALUES'),
    random('HRANDFIELD', 'h', '-20'),
    random('HRANDFIELD', 'h', '-4', 'withvalues'),
    ['HSCAN', 'h', '0'],
    ['HSCAN', 'h', '0', 'MATCH', 'f*'],
    ['HSCAN', 'h', '0', 'COUNT', '1'],
    ['HSCAN', 'h', 'x'],
    ['HSCAN', 'h', '0', 'COUNT', '0'],
    ['HSCAN', 'h', '0', 'BOGUS'],
    ['HSCAN', 'nokey', '0'],
    // A value past 64 bytes turns h into a hashtable.
    ['HSET', 'h', 'huge', '1e308'],
    ['HINCRBYFLOAT', 'h', 'huge', '1e308'],
    ['HINCRBYFLOAT', 'h', 'huge', '1'],
    ['HGET', 'h', 'huge'],
    ['OBJECT', 'ENCODING', 'h'],
    ['HRANDFIELD', 'h', '0'],
    random('HRANDFIELD', 'h', '-3'),
    ['SET', 's', 'v'],
    ['HSET', 's', 'a', '1'],
    ['HSETNX', 's', 'a', '1'],
    ['HGET', 's', 'a'],
    ['HMGET', 's', 'a'],
    ['HDEL', 's', 'a'],
    ['HLEN', 's'],
    ['HGETALL', 's'],
    ['HINCRBY', 's', 'a', '1'],
    ['HINCRBYFLOAT', 's', 'a', '1'],
    ['HRANDFIELD', 's'],
    ['HSCAN', 's', '0'],
    ['HEXISTS', 's', 'a'],
    ['HSTRLEN', 's', 'a'],
  ]
}

/** OBJECT ENCODING at the thresholds, through every way a hash can grow, and the config aliases. */
function encodingScript(): Step[] {
  const steps: Step[] = []
  const fill = (key: string, n: number): void => {
    const args: string[] = []
    for (let i = 0; i < n; i++) args.push(`f${i}`, String(i))
    steps.push(['HSET', key, ...args])
  }
  fill('e512', 512)
  steps.push(['OBJECT', 'ENCODING', 'e512'])
  steps.push(['HSET', 'e512', 'f0', 'again'], ['OBJECT', 'ENCODING', 'e512'])
  steps.push(['HSET', 'e512', 'one-more', 'x'], ['OBJECT', 'ENCODING', 'e512'])
  steps.push(['HDEL', 'e512', 'one-more', 'f1', 'f2'], ['OBJECT', 'ENCODING', 'e512'])
  // 513 copies of one pair stay a listpack in 7.0 (no pre-sizing by argument count).
  const dup: string[] = []
  for (let i = 0; i < 513; i++) dup.push('same', 'v')
  steps.push(['HSET', 'dup', ...dup], ['HLEN', 'dup'], ['OBJECT', 'ENCODING', 'dup'])
  steps.push(['HSET', 'v64', 'f', 'x'.repeat(64)], ['OBJECT', 'ENCODING', 'v64'])
  steps.push(['HSET', 'v64', 'g', 'x'.repeat(65)], ['OBJECT', 'ENCODING', 'v64'])
  steps.push(['HSET', 'k65', 'k'.repeat(65), 'v'], ['OBJECT', 'ENCODING', 'k65'])
  steps.push(['HSETNX', 'nx', 'f', 'x'.repeat(65)], ['OBJECT', 'ENCODING', 'nx'])
  steps.push(['HINCRBY', 'inc', 'f'.repeat(65), '1'], ['OBJECT', 'ENCODING', 'inc'])
  steps.push(['HINCRBYFLOAT', 'incf', 'g'.repeat(65), '1.5'], ['OBJECT', 'ENCODING', 'incf'])
  for (let i = 0; i < 513; i++) steps.push(['HINCRBY', 'many', `f${i}`, '1'])
  steps.push(['OBJECT', 'ENCODING', 'many'], ['HLEN', 'many'])
  steps.push(['CONFIG', 'SET', 'hash-max-ziplist-entries', '4'], ['CONFIG', 'GET', 'hash-max-listpack-entries'])
  fill('c4', 4)
  steps.push(['OBJECT', 'ENCODING', 'c4'])
  fill('c5', 5)
  steps.push(['OBJECT', 'ENCODING', 'c5'])
  steps.push(['CONFIG', 'SET', 'hash-max-listpack-value', '3'], ['CONFIG', 'GET', 'hash-max-ziplist-value'])
  steps.push(['HSET', 'v3', 'abc', '123'], ['OBJECT', 'ENCODING', 'v3'])
  steps.push(['HSET', 'v4', 'abcd', '1'], ['OBJECT', 'ENCODING', 'v4'])
  steps.push(['CONFIG', 'SET', 'hash-max-listpack-entries', '0'])
  steps.push(['HSET', 'zero', 'a', '1'], ['OBJECT', 'ENCODING', 'zero'])
  steps.push(['CONFIG', 'SET', 'hash-max-listpack-entries', '512'], ['CONFIG', 'SET', 'hash-max-listpack-value', '64'])
  steps.push(['HSET', 'small', 'a', '1'], ['DUMP', 'small'], ['HGETALL', 'small'])
  return steps
}

describe('hash commands compared with redis-server', () => {
  let pair: Pair
  beforeAll(async () => {
    if (HAVE_REDIS) pair = await startPair(['--rdbcompression', 'no'])
  })
  afterAll(async () => {
    await pair?.close()
  })

  it.skipIf(!HAVE_REDIS)('answers every command and error as Redis 7.0 (RESP2 and RESP3)', async () => {
    const steps = coverageScript()
    for (const resp3 of [false, true]) {
      const { engine, redis } = await runBoth(pair, steps, { resp3, normalise })
      expect(labelled(steps, engine)).toEqual(labelled(steps, redis))
    }
  })

  it.skipIf(!HAVE_REDIS)('converts listpack → hashtable at exactly the same points (OBJECT ENCODING)', async () => {
    const steps = encodingScript()
    const { engine, redis } = await runBoth(pair, steps)
    expect(labelled(steps, engine)).toEqual(labelled(steps, redis))
  })

  it.skipIf(!HAVE_REDIS)('HSCAN walks a hashtable hash with cursors and returns every field', async () => {
    const steps: Step[] = []
    const args: string[] = []
    for (let i = 0; i < 600; i++) args.push(`field:${i}`, `v${i}`)
    steps.push(['HSET', 'big', ...args], ['OBJECT', 'ENCODING', 'big'])
    const { engine, redis } = await runBoth(pair, steps)
    expect(engine).toEqual(redis)
    const c = await RawClient.connect(pair.engine.port)
    await c.call('HSET', 'big', ...args)
    const seen = new Map<string, string>()
    let cursor = '0'
    let calls = 0
    do {
      const [next, items] = (await c.call('HSCAN', 'big', cursor, 'COUNT', '50')) as [string, string[]]
      for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1])
      cursor = next
      calls++
    } while (cursor !== '0')
    expect(seen.size).toBe(600)
    expect(seen.get('field:599')).toBe('v599')
    expect(calls).toBeGreaterThan(5)
    c.close()
  })
})

/** A seeded random sequence of hash commands over a few keys, fields and values. */
function randomHashScript(seed: number, n: number): Step[] {
  let x = seed
  const rnd = (k: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    return x % k
  }
  const key = (): string => ['ha', 'hb'][rnd(2)]
  const field = (): string => (rnd(20) === 0 ? 'F'.repeat(65) : `f${rnd(12)}`)
  const val = (): string => (rnd(10) === 0 ? 'v'.repeat(rnd(80)) : String(rnd(200) - 100))
  const gens: (() => Step)[] = [
    () => ['HSET', key(), field(), val(), field(), val()],
    () => ['HSETNX', key(), field(), val()],
    () => ['HGET', key(), field()],
    () => ['HMGET', key(), field(), field()],
    () => ['HDEL', key(), field(), field()],
    () => ['HEXISTS', key(), field()],
    () => ['HLEN', key()],
    () => ['HSTRLEN', key(), field()],
    () => ['HINCRBY', key(), field(), String(rnd(20) - 10)],
    () => ['HINCRBYFLOAT', key(), field(), (rnd(100) / 8 - 5).toString()],
    () => ['HGETALL', key()],
    () => ['HKEYS', key()],
    () => ['OBJECT', 'ENCODING', key()],
  ]
  const steps: Step[] = []
  for (let i = 0; i < n; i++) steps.push(gens[rnd(gens.length)]())
  return steps
}

describe('random hash command sequences', () => {
  let pair: Pair
  beforeAll(async () => {
    if (HAVE_REDIS) pair = await startPair(['--hash-max-listpack-entries', '8'])
  })
  afterAll(async () => {
    await pair?.close()
  })

  it.skipIf(!HAVE_REDIS)('give identical replies on the engine and on redis-server', async () => {
    for (const seed of [11, 12, 13]) {
      const steps = randomHashScript(seed, 500)
      const { engine, redis } = await runBoth(pair, steps, { normalise })
      expect(labelled(steps, engine)).toEqual(labelled(steps, redis))
    }
  })
})

describe('hash commands', () => {
  it('replies HGETALL as a RESP3 map and HRANDFIELD WITHVALUES as pairs', async () => {
    const c = await RawClient.connect(t.port)
    await c.call('HELLO', '3')
    await c.call('HSET', 'm', 'a', '1', 'b', '2')
    expect(await c.call('HGETALL', 'm')).toEqual(
      new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
    )
    const pairs = (await c.call('HRANDFIELD', 'm', '-5', 'WITHVALUES')) as string[][]
    expect(pairs.length).toBe(5)
    for (const [f, v] of pairs) expect({ a: '1', b: '2' }[f]).toBe(v)
    c.close()
  })

  it('emits keyspace events and propagates HINCRBYFLOAT as HSET of the result', async () => {
    const c = await RawClient.connect(t.port)
    const sub = await RawClient.connect(t.port)
    const seen: string[][] = []
    const hook = (_db: number, argv: string[]): void => {
      seen.push(argv)
    }
    t.srv.hooks.propagate.push(hook)
    try {
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')
      await sub.call('PSUBSCRIBE', '__keyevent@0__:*')
      await c.call('HSET', 'ev', 'a', '1')
      await c.call('HINCRBY', 'ev', 'a', '2')
      await c.call('HINCRBYFLOAT', 'ev', 'a', '0.5')
      await c.call('HDEL', 'ev', 'a')
      const events: string[] = []
      for (let i = 0; i < 5; i++) {
        const m = (await sub.next()) as string[]
        events.push(`${m[2].split(':')[1]} ${m[3]}`)
      }
      expect(events).toEqual(['hset ev', 'hincrby ev', 'hincrbyfloat ev', 'hdel ev', 'del ev'])
      expect(seen).toContainEqual(['HSET', 'ev', 'a', '3.5'])
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', '')
    } finally {
      t.srv.hooks.propagate.splice(t.srv.hooks.propagate.indexOf(hook), 1)
      c.close()
      sub.close()
    }
  })

  it('HRANDFIELD with a positive count returns distinct fields, small or large counts', async () => {
    const c = await RawClient.connect(t.port)
    const args: string[] = []
    for (let i = 0; i < 1000; i++) args.push(`k${i}`, `v${i}`)
    await c.call('HSET', 'rf', ...args)
    for (const n of [5, 400, 999]) {
      const fields = (await c.call('HRANDFIELD', 'rf', n)) as string[]
      expect(fields.length).toBe(n)
      expect(new Set(fields).size).toBe(n)
      const pairs = (await c.call('HRANDFIELD', 'rf', n, 'WITHVALUES')) as string[]
      for (let i = 0; i < pairs.length; i += 2) expect(pairs[i + 1]).toBe('v' + pairs[i].slice(1))
      expect(new Set(pairs.filter((_, i) => i % 2 === 0)).size).toBe(n)
    }
    c.close()
  })

  it('reports the encoding and memory usage through the value object', async () => {
    const c = await RawClient.connect(t.port)
    await c.call('HSET', 'mu', 'a', '1')
    const h = t.srv.keyspace.dbs[0].peek('mu') as HashValue
    expect(h.encoding()).toBe('listpack')
    const small = h.memoryUsage()
    await c.call('HSET', 'mu', 'b', 'x'.repeat(100))
    expect(h.encoding()).toBe('hashtable')
    expect(h.memoryUsage()).toBeGreaterThan(small + 100)
    c.close()
  })
})
