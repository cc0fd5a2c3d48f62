import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  RawClient,
  ReplyError,
  requireProgram,
  startRealRedis,
  startServer,
  type RealRedis,
  type Reply,
  type TestServer,
} from './helpers.js'
import { allocSize, keyMemoryUsage } from '../src/commands/memory.js'
import type { Value } from '../src/types/value.js'

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

describe('allocSize', () => {
  it('rounds to jemalloc size classes', () => {
    const got = [1, 8, 9, 16, 17, 24, 33, 128, 129, 160, 161, 256, 257, 1000, 4097, 20000].map(allocSize)
    expect(got).toEqual([8, 8, 16, 16, 32, 32, 48, 128, 160, 160, 192, 256, 320, 1024, 5120, 20480])
  })
})

describe('MEMORY', () => {
  it('answers errors, missing keys and HELP as Redis does', async () => {
    const c = await RawClient.connect(t.port)
    await c.call('SET', 'foo', 'bar')
    expect(await c.call('MEMORY', 'USAGE', 'nokey')).toBe(null)
    expect(await c.call('MEMORY', 'USAGE', 'foo', 'SAMPLES')).toEqual(new ReplyError('ERR syntax error'))
    expect(await c.call('MEMORY', 'USAGE', 'foo', 'SAMPLES', 'x')).toEqual(
      new ReplyError('ERR value is not an integer or out of range'),
    )
    expect(await c.call('MEMORY', 'USAGE', 'foo', 'SAMPLES', '-1')).toEqual(new ReplyError('ERR syntax error'))
    expect(await c.call('MEMORY', 'USAGE', 'foo', 'bar', '1')).toEqual(new ReplyError('ERR syntax error'))
    expect(await c.call('MEMORY', 'USAGE', 'foo', 'SAMPLES', '5', 'samples', '0')).toBe(64)
    expect(await c.call('MEMORY', 'USAGE')).toEqual(
      new ReplyError("ERR wrong number of arguments for 'memory|usage' command"),
    )
    expect(await c.call('MEMORY', 'FOO')).toEqual(new ReplyError("ERR unknown subcommand 'FOO'. Try MEMORY HELP."))
    const help = (await c.call('MEMORY', 'HELP')) as string[]
    expect(help[0]).toBe('MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:')
    expect(help).toContain('USAGE <key> [SAMPLES <count>]')
    c.close()
  })

  it('sizes collections from the value’s own accounting plus the key and its dict entry', async () => {
    const c = await RawClient.connect(t.port)
    await c.call('FLUSHALL')
    const db = t.srv.keyspace.dbs[0]
    const made: string[] = []
    if (t.srv.commands.lookup('sadd')) {
      await c.call('SADD', 'set:ints', '1', '2', '3')
      await c.call('SADD', 'set:strs', 'a', 'b')
      made.push('set:ints', 'set:strs')
    }
    if (t.srv.commands.lookup('zadd')) {
      await c.call('ZADD', 'zset', '1', 'a')
      made.push('zset')
    }
    if (t.srv.commands.lookup('hset')) {
      await c.call('HSET', 'hash', 'f', 'v')
      made.push('hash')
    }
    if (t.srv.commands.lookup('rpush')) {
      await c.call('RPUSH', 'list', 'a', 'b')
      made.push('list')
    }
    expect(made.length).toBeGreaterThan(0)
    for (const key of made) {
      const slot = db.dict.slotOf(key)
      const v = db.dict.vals[slot] as Value
      expect(typeof v).toBe('object')
      const usage = (await c.call('MEMORY', 'USAGE', key)) as number
      expect(usage).toBe(keyMemoryUsage(key, v, db.dict.flags[slot]))
      expect(usage).toBeGreaterThan((v as Exclude<Value, string | number>).memoryUsage())
    }
    // Growing a collection grows its usage.
    if (made.includes('set:strs')) {
      const before = (await c.call('MEMORY', 'USAGE', 'set:strs')) as number
      await c.call('SADD', 'set:strs', ...Array.from({ length: 50 }, (_, i) => `member-${i}`))
      expect((await c.call('MEMORY', 'USAGE', 'set:strs')) as number).toBeGreaterThan(before)
    }
    c.close()
  })
})

describe('same sizes as redis-server for strings', () => {
  const hasRedis = requireProgram('redis-server')
  let real: RealRedis
  beforeAll(async () => {
    if (hasRedis) real = await startRealRedis()
  })
  afterAll(async () => {
    if (hasRedis) await real.close()
  })

  it.skipIf(!hasRedis)('int, embstr and raw values under keys of every sds header size', async () => {
    const values = [
      '0',
      '12345',
      '-1',
      '9223372036854775807',
      '01',
      '',
      'bar',
      'x'.repeat(20),
      'x'.repeat(44),
      'x'.repeat(45),
      'x'.repeat(100),
      'x'.repeat(252),
      'x'.repeat(300),
      'x'.repeat(5000),
    ]
    const keys = ['k', 'k'.repeat(31), 'k'.repeat(32), 'k'.repeat(255), 'k'.repeat(256)]
    const run = async (port: number): Promise<Reply[]> => {
      const c = await RawClient.connect(port)
      await c.call('FLUSHALL')
      const out: Reply[] = []
      for (const k of keys) {
        for (const v of values) {
          await c.call('SET', k, v)
          out.push(await c.call('MEMORY', 'USAGE', k))
        }
      }
      c.close()
      return out
    }
    expect(await run(t.port)).toEqual(await run(real.port))
  })
})
