import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import {
  RawClient,
  ReplyError,
  encodeCommand,
  requireProgram,
  sleep,
  startRealRedis,
  startServer,
  type RealRedis,
  type Reply,
  type TestServer,
} from './helpers.js'

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(t.port)
  await c.call('FLUSHALL')
  return c
}

describe('MULTI / EXEC / DISCARD', () => {
  it('queues commands and returns every reply in order, runtime errors included', async () => {
    const c = await client()
    expect(await c.call('MULTI')).toBe('OK')
    expect(await c.call('SET', 'a', '1')).toBe('QUEUED')
    expect(await c.call('INCR', 'a')).toBe('QUEUED')
    expect(await c.call('SADD', 'a', 'x')).toBe('QUEUED')
    expect(await c.call('GET', 'a')).toBe('QUEUED')
    expect(await c.call('EXEC')).toEqual([
      'OK',
      2,
      new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      '2',
    ])
    expect(await c.call('GET', 'a')).toBe('2')
    c.close()
  })

  it('answers misuse with Redis texts, and nested MULTI or WATCH inside MULTI do not abort', async () => {
    const c = await client()
    expect(await c.call('EXEC')).toEqual(new ReplyError('ERR EXEC without MULTI'))
    expect(await c.call('DISCARD')).toEqual(new ReplyError('ERR DISCARD without MULTI'))
    await c.call('MULTI')
    expect(await c.call('MULTI')).toEqual(new ReplyError('ERR MULTI calls can not be nested'))
    expect(await c.call('WATCH', 'x')).toEqual(new ReplyError('ERR WATCH inside MULTI is not allowed'))
    expect(await c.call('SET', 'k', 'v')).toBe('QUEUED')
    expect(await c.call('EXEC')).toEqual(['OK'])
    c.close()
  })

  it('aborts with EXECABORT after an unknown command, a wrong arity or a no-multi command', async () => {
    const c = await client()
    for (const bad of [
      ['NOPE', 'x'],
      ['SET', 'k'],
      ['PSYNC', '?', '-1'],
    ]) {
      await c.call('MULTI')
      expect(await c.call('SET', 'k', 'v')).toBe('QUEUED')
      expect(await c.call(...bad)).toBeInstanceOf(ReplyError)
      expect(await c.call('EXEC')).toEqual(
        new ReplyError('EXECABORT Transaction discarded because of previous errors.'),
      )
      expect(await c.call('EXISTS', 'k')).toBe(0)
    }
    await c.call('MULTI')
    expect(await c.call('PSYNC', '?', '-1')).toEqual(new ReplyError('ERR Command not allowed inside a transaction'))
    expect(await c.call('DISCARD')).toBe('OK')
    // The flag does not leak into the next transaction.
    await c.call('MULTI')
    await c.call('SET', 'k', 'v')
    expect(await c.call('EXEC')).toEqual(['OK'])
    c.close()
  })

  it('counts errors inside EXEC for the failing command only, as Redis does', async () => {
    const c = await client()
    await c.call('CONFIG', 'RESETSTAT')
    await c.call('MULTI')
    await c.call('SET', 'a', '1')
    await c.call('SADD', 'a', 'x')
    await c.call('EXEC')
    const stats = (await c.call('INFO', 'commandstats')) as string
    expect(stats).toMatch(/cmdstat_sadd:calls=1,.*failed_calls=1\r\n/)
    expect(stats).toMatch(/cmdstat_exec:calls=1,.*failed_calls=0\r\n/)
    expect((await c.call('INFO', 'errorstats')) as string).toContain('errorstat_WRONGTYPE:count=1\r\n')
    c.close()
  })

  it('DISCARD drops the queue, RESET leaves MULTI, SELECT inside EXEC sticks', async () => {
    const c = await client()
    await c.call('MULTI')
    await c.call('SET', 'k', 'v')
    expect(await c.call('DISCARD')).toBe('OK')
    expect(await c.call('EXISTS', 'k')).toBe(0)
    await c.call('MULTI')
    await c.call('SET', 'k', 'v')
    expect(await c.call('RESET')).toBe('RESET')
    expect(await c.call('EXEC')).toEqual(new ReplyError('ERR EXEC without MULTI'))
    expect(await c.call('EXISTS', 'k')).toBe(0)
    await c.call('MULTI')
    await c.call('SELECT', '3')
    await c.call('SET', 'k', 'db3')
    expect(await c.call('EXEC')).toEqual(['OK', 'OK'])
    expect(await c.call('GET', 'k')).toBe('db3')
    await c.call('SELECT', '0')
    expect(await c.call('GET', 'k')).toBe(null)
    c.close()
  })

  it('shows flags=x and the queue length in CLIENT LIST', async () => {
    const c = await client()
    await c.call('MULTI')
    await c.call('SET', 'a', '1')
    await c.call('SET', 'b', '2')
    const other = await RawClient.connect(t.port)
    const id = await c.call('CLIENT', 'ID')
    expect(id).toBe('QUEUED')
    const list = (await other.call('CLIENT', 'LIST')) as string
    const mine = list.split('\n').find((l) => l.includes(' cmd=multi '))
    expect(mine).toMatch(/flags=x .* multi=3 /)
    await c.call('DISCARD')
    c.close()
    other.close()
  })

  it('answers RESP3 clients with a null for a failed EXEC', async () => {
    const c = await client()
    await c.call('HELLO', '3')
    await c.call('WATCH', 'w')
    await c.call('SET', 'w', '1')
    await c.call('MULTI')
    await c.call('GET', 'w')
    // RESP3 null ('_'), which RawClient returns as null like RESP2's *-1.
    c.writeRaw('*1\r\n$4\r\nEXEC\r\n')
    expect(await c.next()).toBe(null)
    c.close()
  })
})

describe('WATCH', () => {
  async function tx(c: RawClient): Promise<Reply> {
    await c.call('MULTI')
    await c.call('INCR', 'counter')
    return c.call('EXEC')
  }

  it('lets the transaction run when nothing touched the watched keys', async () => {
    const c = await client()
    expect(await c.call('WATCH', 'w', 'counter')).toBe('OK')
    await c.call('SET', 'other', '1')
    expect(await tx(c)).toEqual([1])
    c.close()
  })

  it('fails EXEC with a null array after a write by another client or by the same client', async () => {
    const c = await client()
    const d = await RawClient.connect(t.port)
    await c.call('SET', 'w', 'a')
    await c.call('WATCH', 'w')
    await d.call('APPEND', 'w', 'b')
    expect(await tx(c)).toBe(null)
    expect(await c.call('GET', 'counter')).toBe(null)
    // The same client writing before MULTI counts too.
    await c.call('WATCH', 'w')
    await c.call('DEL', 'w')
    expect(await tx(c)).toBe(null)
    // A write to the same key name in another db does not.
    await c.call('WATCH', 'w')
    await d.call('SELECT', '1')
    await d.call('SET', 'w', 'elsewhere')
    expect(await tx(c)).toEqual([1])
    c.close()
    d.close()
  })

  it('is invalidated by a write inside another client’s EXEC and by a collection change', async () => {
    const c = await client()
    const d = await RawClient.connect(t.port)
    await c.call('SADD', 's', 'a')
    await c.call('WATCH', 's')
    await d.call('MULTI')
    await d.call('SADD', 's', 'b')
    await d.call('EXEC')
    expect(await tx(c)).toBe(null)
    // A command that changes nothing is no write.
    await c.call('WATCH', 's')
    await d.call('SADD', 's', 'a')
    expect(await tx(c)).toEqual([1])
    c.close()
    d.close()
  })

  it('UNWATCH, DISCARD and EXEC forget the watched keys', async () => {
    const c = await client()
    const d = await RawClient.connect(t.port)
    await c.call('WATCH', 'w')
    expect(await c.call('UNWATCH')).toBe('OK')
    await d.call('SET', 'w', '1')
    expect(await tx(c)).toEqual([1])
    await c.call('WATCH', 'w')
    await c.call('MULTI')
    await c.call('DISCARD')
    await d.call('SET', 'w', '2')
    expect(await tx(c)).toEqual([2])
    await c.call('WATCH', 'w')
    expect(await tx(c)).toEqual([3])
    await d.call('SET', 'w', '3')
    expect(await tx(c)).toEqual([4])
    c.close()
    d.close()
  })

  it('is invalidated when the watched key expires', async () => {
    const c = await client()
    // SET and WATCH in one write run in the same loop turn, so the key is watched while it lives
    // however slow the machine (a key that expired before WATCH would not invalidate it).
    const setAndWatch = async () => {
      c.writeRaw(Buffer.concat([encodeCommand(['SET', 'w', 'v', 'PX', '30']), encodeCommand(['WATCH', 'w'])]))
      expect([await c.next(), await c.next()]).toEqual(['OK', 'OK'])
    }
    await setAndWatch()
    await sleep(60)
    // Expired but possibly not yet deleted: EXEC checks the TTL itself.
    expect(await tx(c)).toBe(null)
    await setAndWatch()
    await sleep(60)
    expect(await c.call('GET', 'w')).toBe(null)
    expect(await tx(c)).toBe(null)
  })

  it('ignores the deletion of a key that had already expired when it was watched', async () => {
    const c = await client()
    await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')
    try {
      await c.call('SET', 'w', 'v', 'PX', '5')
      await sleep(20)
      await c.call('WATCH', 'w')
      expect(await c.call('EXISTS', 'w')).toBe(0)
      expect(await tx(c)).toEqual([1])
    } finally {
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')
    }
    c.close()
  })

  it('is invalidated by FLUSHDB, FLUSHALL and SWAPDB when the watched key existed', async () => {
    const c = await client()
    const d = await RawClient.connect(t.port)
    await c.call('SET', 'w', '1')
    await c.call('WATCH', 'w')
    await d.call('FLUSHDB')
    expect(await tx(c)).toBe(null)

    await c.call('SET', 'w', '1')
    await c.call('WATCH', 'w')
    await d.call('FLUSHALL')
    expect(await tx(c)).toBe(null)

    // Flushing a db where the watched key does not exist changes nothing for it.
    await c.call('WATCH', 'w')
    await d.call('FLUSHALL')
    expect(await tx(c)).toEqual([1])

    // SWAPDB brings a key into the watched db.
    await d.call('SELECT', '5')
    await d.call('SET', 'w', 'from5')
    await c.call('WATCH', 'w')
    await d.call('SWAPDB', '0', '5')
    expect(await tx(c)).toBe(null)
    expect(await c.call('GET', 'w')).toBe('from5')
    c.close()
    d.close()
  })
})

describe('propagation and blocking inside EXEC', () => {
  it('hands several writes on as one MULTI … EXEC block, a single write alone, reads not at all', async () => {
    const c = await client()
    const seen: [number, string[]][] = []
    const hook = (db: number, argv: string[]): void => void seen.push([db, argv])
    t.srv.hooks.propagate.push(hook)
    try {
      await c.call('MULTI')
      await c.call('SET', 'a', '1')
      await c.call('GET', 'a')
      await c.call('SELECT', '2')
      await c.call('SET', 'b', '2')
      await c.call('EXEC')
      expect(seen).toEqual([
        [0, ['MULTI']],
        [0, ['SET', 'a', '1']],
        [2, ['SET', 'b', '2']],
        [2, ['EXEC']],
      ])
      seen.length = 0
      await c.call('MULTI')
      await c.call('SET', 'c', '3')
      await c.call('GET', 'c')
      await c.call('EXEC')
      expect(seen).toEqual([[2, ['SET', 'c', '3']]])
      seen.length = 0
      await c.call('MULTI')
      await c.call('GET', 'c')
      await c.call('EXEC')
      expect(seen).toEqual([])
      // The hook list is back to what it was.
      expect(t.srv.hooks.propagate.at(-1)).toBe(hook)
    } finally {
      t.srv.hooks.propagate.splice(t.srv.hooks.propagate.indexOf(hook), 1)
    }
    c.close()
  })

  it('runs blocking commands without blocking and wakes waiters after EXEC', async (ctx) => {
    if (!t.srv.commands.lookup('blpop') || !t.srv.commands.lookup('rpush')) {
      ctx.skip()
      return
    }
    const c = await client()
    await c.call('MULTI')
    await c.call('BLPOP', 'empty', '0')
    expect(await c.call('EXEC')).toEqual([null])
    const waiter = await RawClient.connect(t.port)
    const got = waiter.call('BLPOP', 'q', '0')
    await sleep(20)
    await c.call('MULTI')
    await c.call('RPUSH', 'q', 'x')
    await c.call('LLEN', 'q')
    await c.call('DEL', 'q')
    await c.call('RPUSH', 'q', 'y')
    // The waiter is served after the whole transaction: it sees y, never x.
    expect(await c.call('EXEC')).toEqual([1, 1, 1, 1])
    expect(await got).toEqual(['q', 'y'])
    waiter.close()
    c.close()
  })
})

describe('clients', () => {
  it('ioredis: multi/exec, watch with a conflicting write', async () => {
    const r = new Redis({ port: t.port, lazyConnect: true })
    const other = new Redis({ port: t.port, lazyConnect: true })
    await r.connect()
    await other.connect()
    await r.flushall()
    const res = await r.multi().set('k', '1').incr('k').get('k').exec()
    expect(res).toEqual([
      [null, 'OK'],
      [null, 2],
      [null, '2'],
    ])
    await r.watch('k')
    await other.set('k', 'changed')
    expect(await r.multi().set('k', 'mine').exec()).toBe(null)
    expect(await r.get('k')).toBe('changed')
    await expect(r.multi().set('k', 'v').call('NOPE').exec()).rejects.toThrow(/EXECABORT/)
    r.disconnect()
    other.disconnect()
  })

  for (const resp of [2, 3] as const) {
    it(`node-redis RESP${resp}: multi/exec and watch`, async () => {
      const r = createClient({ socket: { port: t.port }, RESP: resp })
      const other = createClient({ socket: { port: t.port }, RESP: resp })
      await r.connect()
      await other.connect()
      await r.flushAll()
      expect(await r.multi().set('k', '1').incr('k').get('k').exec()).toEqual(['OK', 2, '2'])
      const iso = await r.watch('k')
      expect(iso).toBe('OK')
      await other.set('k', 'changed')
      await expect(r.multi().set('k', 'mine').exec()).rejects.toThrow(/watch/i)
      expect(await r.get('k')).toBe('changed')
      await r.quit()
      await other.quit()
    })
  }
})

describe('same replies as redis-server', () => {
  const hasRedis = requireProgram('redis-server')
  let real: RealRedis
  beforeAll(async () => {
    if (hasRedis) real = await startRealRedis()
  })
  afterAll(async () => {
    if (hasRedis) await real.close()
  })

  it.skipIf(!hasRedis)('a transaction script with queuing and runtime errors', async () => {
    const script: string[][] = [
      ['MULTI'],
      ['SET', 'a', '1'],
      ['MULTI'],
      ['INCRBY', 'a', 'x'],
      ['SADD', 'a', 'm'],
      ['GETDEL', 'a'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'b'],
      ['FOO'],
      ['EXEC'],
      ['WATCH', 'b'],
      ['SET', 'b', '1'],
      ['MULTI'],
      ['GET', 'b'],
      ['UNWATCH'],
      ['EXEC'],
      ['EXEC'],
      ['DISCARD'],
      ['UNWATCH'],
      ['WATCH', 'b', 'b', 'c'],
      ['MULTI'],
      ['GET', 'b'],
      ['EXEC'],
    ]
    const run = async (port: number): Promise<Reply[]> => {
      const c = await RawClient.connect(port)
      await c.call('FLUSHALL')
      const out: Reply[] = []
      for (const s of script) out.push(await c.call(...s))
      c.close()
      return out
    }
    expect(await run(t.port)).toEqual(await run(real.port))
  })

  // Each write command, run by another client on a watched key, must fail the EXEC exactly when
  // it fails on Redis (a no-op write such as SADD of an existing member does not).
  const writes: { setup: string[][]; write: string[] }[] = [
    { setup: [['SET', 'w', '1']], write: ['EXPIRE', 'w', '100'] },
    { setup: [['SET', 'w', '1', 'EX', '100']], write: ['PERSIST', 'w'] },
    { setup: [['SET', 'w', '1']], write: ['PERSIST', 'w'] },
    { setup: [['SET', 'w', '1']], write: ['RENAME', 'w', 'other'] },
    { setup: [['SET', 'other', '1']], write: ['RENAME', 'other', 'w'] },
    { setup: [['SET', 'w', '1']], write: ['MOVE', 'w', '1'] },
    { setup: [['SET', 'src', '1']], write: ['COPY', 'src', 'w'] },
    { setup: [['SET', 'w', '1']], write: ['INCR', 'w'] },
    { setup: [['SET', 'w', '1']], write: ['GET', 'w'] },
    { setup: [['SET', 'w', 'abc']], write: ['SETRANGE', 'w', '1', 'x'] },
    { setup: [['SET', 'w', 'abc']], write: ['SETBIT', 'w', '1', '1'] },
    { setup: [['SADD', 'w', 'a']], write: ['SADD', 'w', 'a'] },
    { setup: [['SADD', 'w', 'a']], write: ['SREM', 'w', 'zz'] },
    { setup: [['SADD', 'w', 'a']], write: ['SPOP', 'w'] },
    { setup: [['SADD', 's', 'a']], write: ['SUNIONSTORE', 'w', 's'] },
    { setup: [['ZADD', 'w', '1', 'a']], write: ['ZADD', 'w', '1', 'a'] },
    { setup: [['ZADD', 'w', '1', 'a']], write: ['ZINCRBY', 'w', '1', 'a'] },
    { setup: [['ZADD', 'w', '1', 'a']], write: ['ZREMRANGEBYSCORE', 'w', '5', '6'] },
    { setup: [['RPUSH', 'w', 'a']], write: ['RPUSH', 'w', 'b'] },
    { setup: [['RPUSH', 'w', 'a', 'b']], write: ['LTRIM', 'w', '0', '-1'] },
    { setup: [['RPUSH', 'w', 'a', 'b']], write: ['LSET', 'w', '0', 'a'] },
    { setup: [['RPUSH', 'w', 'a']], write: ['LMOVE', 'w', 'w', 'LEFT', 'RIGHT'] },
    { setup: [['HSET', 'w', 'f', 'v']], write: ['HSET', 'w', 'f', 'v'] },
    { setup: [['HSET', 'w', 'f', 'v']], write: ['HDEL', 'w', 'nope'] },
    { setup: [['HSET', 'w', 'f', '1']], write: ['HINCRBY', 'w', 'f', '0'] },
    { setup: [['SET', 'w', '1']], write: ['UNLINK', 'w'] },
    { setup: [['SET', 'w', '1']], write: ['RESTORE', 'w', '0', 'x', 'REPLACE'] },
  ]

  it.skipIf(!hasRedis)('WATCH fails EXEC after exactly the writes that fail it on Redis', async () => {
    const cases = writes.filter((w) => [...w.setup, w.write].every((a) => t.srv.commands.lookup(a[0]) !== undefined))
    expect(cases.length).toBeGreaterThan(15)
    const run = async (port: number): Promise<Reply[]> => {
      const c = await RawClient.connect(port)
      const d = await RawClient.connect(port)
      const out: Reply[] = []
      for (const w of cases) {
        await c.call('FLUSHALL')
        for (const s of w.setup) await c.call(...s)
        await c.call('WATCH', 'w')
        out.push(await d.call(...w.write))
        await c.call('MULTI')
        await c.call('PING')
        out.push(await c.call('EXEC'))
      }
      c.close()
      d.close()
      return out
    }
    expect(await run(t.port)).toEqual(await run(real.port))
  })
})
