// Eviction next to a real redis-server 7.0: the -OOM error, OBJECT FREQ / IDLETIME under each kind
// of policy, the LFU counter of new and accessed keys, INFO memory and MEMORY STATS field order,
// MEMORY DOCTOR and HELP. Also the LFU and time-budget arithmetic on its own.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  RawClient,
  requireProgram,
  startRealRedis,
  startServer,
  type RealRedis,
  type Reply,
  type TestServer,
} from './helpers.js'
import { evictionTimeLimitUs, lfuDecrAndReturn, lfuLogIncr } from '../src/keyspace/evict.js'

describe('LFU counter and eviction time budget', () => {
  const hits = (n: number, factor: number): number => {
    let counter = 5
    for (let i = 0; i < n; i++) counter = lfuLogIncr(counter, factor, Math.random())
    return counter
  }
  const mean = (f: () => number): number => {
    let sum = 0
    for (let i = 0; i < 40; i++) sum += f()
    return sum / 40
  }

  it('grows logarithmically as redis.conf tabulates for lfu-log-factor 10, and saturates at 255', () => {
    expect(mean(() => hits(100, 10))).toBeGreaterThan(8)
    expect(mean(() => hits(100, 10))).toBeLessThan(12.5)
    expect(mean(() => hits(1000, 10))).toBeGreaterThan(15)
    expect(mean(() => hits(1000, 10))).toBeLessThan(21)
    // Factor 0 counts every hit; the counter never passes 255.
    expect(hits(100, 0)).toBe(105)
    expect(hits(1000, 0)).toBe(255)
    expect(lfuLogIncr(255, 0, 0)).toBe(255)
  })

  it('decays by one per lfu-decay-time minutes elapsed, across the 16-bit minute wrap', () => {
    const now = 1_700_000_000_000
    const minutes = Math.floor(now / 60000) & 0xffff
    const field = (agoMin: number, counter: number): number => (((minutes - agoMin) & 0xffff) << 8) | counter
    expect(lfuDecrAndReturn(field(3, 10), 1, now)).toBe(7)
    expect(lfuDecrAndReturn(field(3, 10), 2, now)).toBe(9)
    expect(lfuDecrAndReturn(field(3, 10), 0, now)).toBe(10)
    expect(lfuDecrAndReturn(field(30, 10), 1, now)).toBe(0)
    const wrapped = ((0xffff - 1) << 8) | 10
    const justAfterWrap = (0x10000 + 1) * 60000
    expect(lfuDecrAndReturn(wrapped, 1, justAfterWrap)).toBe(8)
  })

  it('turns maxmemory-eviction-tenacity into evict.c’s microseconds', () => {
    expect([0, 1, 10, 11, 20, 99, 100].map(evictionTimeLimitUs)).toEqual([
      0,
      50,
      500,
      575,
      Math.floor(500 * 1.15 ** 10),
      Math.floor(500 * 1.15 ** 89),
      Infinity,
    ])
  })
})

describe('same replies as redis-server', () => {
  const hasRedis = requireProgram('redis-server')
  let t: TestServer
  let real: RealRedis
  beforeAll(async () => {
    t = await startServer()
    if (hasRedis) real = await startRealRedis()
  })
  afterAll(async () => {
    await t.close()
    if (hasRedis) await real.close()
  })

  /** Runs the same script on both servers (fresh connection, flushed) and returns both transcripts. */
  async function both(script: (c: RawClient) => Promise<Reply[]>): Promise<[Reply[], Reply[]]> {
    const run = async (port: number): Promise<Reply[]> => {
      const c = await RawClient.connect(port)
      await c.call('FLUSHALL')
      await c.call('CONFIG', 'SET', 'maxmemory', '0')
      const out = await script(c)
      await c.call('CONFIG', 'SET', 'maxmemory', '0')
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')
      c.close()
      return out
    }
    return [await run(t.port), await run(real.port)]
  }

  it.skipIf(!hasRedis)('OBJECT FREQ and IDLETIME under LRU and LFU policies, and the LFU counter', async () => {
    const [ours, theirs] = await both(async (c) => [
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'),
      await c.call('SET', 'k', 'v'),
      await c.call('OBJECT', 'FREQ', 'k'),
      await c.call('OBJECT', 'IDLETIME', 'k'),
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu'),
      await c.call('OBJECT', 'IDLETIME', 'k'),
      await c.call('SET', 'fresh', 'v'),
      await c.call('OBJECT', 'FREQ', 'fresh'),
      // The first hits always count (probability 1 while the counter is at most LFU_INIT_VAL).
      await c.call('GET', 'fresh'),
      await c.call('OBJECT', 'FREQ', 'fresh'),
      await c.call('OBJECT', 'FREQ', 'missing'),
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'),
      await c.call('OBJECT', 'FREQ', 'fresh'),
    ])
    expect(ours).toEqual(theirs)
    expect(ours[7]).toBe(5)
    expect(ours[9]).toBe(6)
  })

  it.skipIf(!hasRedis)('-OOM under noeviction and when no key is evictable, also inside MULTI', async () => {
    const [ours, theirs] = await both(async (c) => [
      await c.call('SET', 'a', 'x'.repeat(100)),
      await c.call('CONFIG', 'SET', 'maxmemory', '1'),
      await c.call('SET', 'b', 'y'),
      await c.call('GET', 'a'),
      await c.call('MULTI'),
      await c.call('INCR', 'n'),
      await c.call('GET', 'a'),
      await c.call('EXEC'),
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru'),
      await c.call('RPUSH', 'l', 'z'),
      await c.call('DEL', 'a'),
      await c.call('CONFIG', 'GET', 'maxmemory-policy'),
    ])
    expect(ours).toEqual(theirs)
  })

  it.skipIf(!hasRedis)('MEMORY HELP and DOCTOR on an empty instance', async () => {
    const [ours, theirs] = await both(async (c) => [await c.call('MEMORY', 'HELP'), await c.call('MEMORY', 'DOCTOR')])
    expect(ours).toEqual(theirs)
  })

  it.skipIf(!hasRedis)('INFO memory and MEMORY STATS name the same fields in the same order', async () => {
    const [ours, theirs] = await both(async (c) => {
      await c.call('SET', 'k', 'v')
      const info = (await c.call('INFO', 'memory')) as string
      const stats = (await c.call('MEMORY', 'STATS')) as Reply[]
      const names = (a: Reply[]): Reply[] =>
        a.flatMap((v, i) => (i % 2 === 0 ? [v] : Array.isArray(v) ? [names(v)] : []))
      return [info.split('\r\n').map((l) => l.split(':')[0]), names(stats)]
    })
    expect(ours).toEqual(theirs)
  })
})

describe('INFO memory figures', () => {
  let t: TestServer
  beforeAll(async () => {
    t = await startServer()
  })
  afterAll(async () => {
    await t.close()
  })

  it('adds up: used = overhead + dataset, and grows and shrinks with the data', async () => {
    const c = await RawClient.connect(t.port)
    const read = async (): Promise<Record<string, string>> => {
      const text = (await c.call('INFO', 'memory')) as string
      return Object.fromEntries(text.split('\r\n').map((l) => l.split(':')))
    }
    const empty = await read()
    expect(Number(empty.used_memory)).toBe(Number(empty.used_memory_overhead) + Number(empty.used_memory_dataset))
    for (let i = 0; i < 200; i++) await c.call('HSET', `h:${i}`, 'f', 'x'.repeat(50))
    const full = await read()
    const grown = Number(full.used_memory_dataset) - Number(empty.used_memory_dataset)
    // Each key: two JS strings, a listpack array, the hash and listpack objects, with heap slack.
    expect(grown / 200).toBeGreaterThan(250)
    expect(grown / 200).toBeLessThan(600)
    expect(Number(full.used_memory_peak)).toBeGreaterThanOrEqual(Number(full.used_memory))
    expect(full.used_memory_human).toMatch(/^\d+\.\d\dM$/)
    expect(await c.call('MEMORY', 'USAGE', 'h:0')).toBe(grown / 200)
    await c.call('FLUSHALL')
    expect(Number((await read()).used_memory_dataset)).toBe(0)
    c.close()
  })
})
