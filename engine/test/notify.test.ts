import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  RawClient,
  ReplyError,
  requireProgram,
  sleep,
  startRealRedis,
  startServer,
  type RealRedis,
  type Reply,
  type TestServer,
} from './helpers.js'
import { formatKeyspaceEvents, parseKeyspaceEvents } from '../src/server/notify.js'

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

/** A RESP2 subscriber on every keyspace and keyevent channel; `drain` returns what arrived. */
async function listener(port: number): Promise<{ drain(): Promise<string[]>; close(): void }> {
  const sub = await RawClient.connect(port)
  await sub.call('PSUBSCRIBE', '__key*__:*')
  // A marker round-trip through PING tells when every earlier message has arrived.
  return {
    async drain() {
      const out: string[] = []
      sub.writeRaw('*2\r\n$4\r\nPING\r\n$4\r\nmark\r\n')
      for (;;) {
        const m = (await sub.next()) as Reply[]
        if (m[0] === 'pong') return out
        out.push(`${m[2] as string} ${m[3] as string}`)
      }
    },
    close: () => sub.close(),
  }
}

describe('notify-keyspace-events flags', () => {
  it('parses the class characters and prints them as Redis does', () => {
    expect(formatKeyspaceEvents(parseKeyspaceEvents('KEA') as number)).toBe('AKE')
    expect(formatKeyspaceEvents(parseKeyspaceEvents('Elg') as number)).toBe('glE')
    // Redis prints AKEm here and so forgets n; this engine keeps it.
    expect(formatKeyspaceEvents(parseKeyspaceEvents('ndtexzhsl$gKEm') as number)).toBe('AnKEm')
    expect(formatKeyspaceEvents(parseKeyspaceEvents('g$lshzxetdKE') as number)).toBe('AKE')
    expect(formatKeyspaceEvents(parseKeyspaceEvents('mK') as number)).toBe('Km')
    expect(formatKeyspaceEvents(parseKeyspaceEvents('') as number)).toBe('')
    expect(formatKeyspaceEvents(parseKeyspaceEvents('$n') as number)).toBe('$n')
    expect(parseKeyspaceEvents('KEQ')).toBe(null)
  })

  it('CONFIG SET validates and normalises, CONFIG GET shows the canonical form', async () => {
    const c = await RawClient.connect(t.port)
    expect(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')).toBe('OK')
    expect(await c.call('CONFIG', 'GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE'])
    expect(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Q')).toEqual(
      new ReplyError(
        "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
      ),
    )
    expect(await c.call('CONFIG', 'GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE'])
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '')
    c.close()
  })
})

describe('publishing events', () => {
  it('sends __keyspace@<db>__:<key> and __keyevent@<db>__:<event> for enabled classes only', async () => {
    const c = await RawClient.connect(t.port)
    const l = await listener(t.port)
    await c.call('SET', 'quiet', '1')
    expect(await l.drain()).toEqual([])

    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')
    await c.call('SET', 'foo', 'bar')
    await c.call('DEL', 'foo')
    expect(await l.drain()).toEqual([
      '__keyspace@0__:foo set',
      '__keyevent@0__:set foo',
      '__keyspace@0__:foo del',
      '__keyevent@0__:del foo',
    ])

    // Only keyspace channels, only string events: DEL (generic) is not sent.
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'K$')
    await c.call('SELECT', '3')
    await c.call('SET', 'k', 'v')
    await c.call('DEL', 'k')
    expect(await l.drain()).toEqual(['__keyspace@3__:k set'])

    // Classes without K or E publish nothing.
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'g$')
    await c.call('SET', 'k', 'v')
    await c.call('DEL', 'k')
    expect(await l.drain()).toEqual([])

    // Only keyevent channels for generic events.
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Eg')
    await c.call('SET', 'k', 'v')
    await c.call('DEL', 'k')
    expect(await l.drain()).toEqual(['__keyevent@3__:del k'])
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '')
    l.close()
    c.close()
  })

  it('reports expired keys with the x class', async () => {
    const c = await RawClient.connect(t.port)
    const l = await listener(t.port)
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'Ex')
    await c.call('SET', 'short', 'v', 'PX', '10')
    await sleep(40)
    expect(await c.call('GET', 'short')).toBe(null)
    expect(await l.drain()).toEqual(['__keyevent@0__:expired short'])
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '')
    l.close()
    c.close()
  })

  it('delivers as RESP3 pushes to a RESP3 subscriber', async () => {
    const c = await RawClient.connect(t.port)
    const sub = await RawClient.connect(t.port)
    await sub.call('HELLO', '3')
    await sub.call('SUBSCRIBE', '__keyevent@0__:set')
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'E$')
    await c.call('SET', 'r3', 'v')
    expect(await sub.next()).toEqual({ push: ['message', '__keyevent@0__:set', 'r3'] })
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '')
    sub.close()
    c.close()
  })
})

describe('same events as redis-server', () => {
  const hasRedis = requireProgram('redis-server')
  let real: RealRedis
  beforeAll(async () => {
    if (hasRedis) real = await startRealRedis()
  })
  afterAll(async () => {
    if (hasRedis) await real.close()
  })

  // Write commands of every family; those the engine has not registered yet are left out.
  const script: string[][] = [
    ['SET', 's', '1'],
    ['INCRBY', 's', '5'],
    ['APPEND', 's', 'x'],
    ['SETRANGE', 's', '0', 'ab'],
    ['EXPIRE', 's', '100'],
    ['PERSIST', 's'],
    ['RENAME', 's', 's2'],
    ['COPY', 's2', 's3'],
    ['MOVE', 's3', '1'],
    ['GETDEL', 's2'],
    ['SADD', 'set', 'a', 'b', 'c'],
    ['SREM', 'set', 'a'],
    ['SMOVE', 'set', 'set2', 'b'],
    ['SPOP', 'set', '5'],
    ['SINTERSTORE', 'dst', 'set2', 'set2'],
    ['ZADD', 'z', '1', 'a', '2', 'b'],
    ['ZINCRBY', 'z', '2', 'a'],
    ['ZREM', 'z', 'a'],
    ['ZPOPMIN', 'z'],
    ['LPUSH', 'l', 'a', 'b'],
    ['RPUSH', 'l', 'c'],
    ['LPOP', 'l'],
    ['LSET', 'l', '0', 'x'],
    ['LTRIM', 'l', '0', '0'],
    ['RPOP', 'l'],
    ['HSET', 'h', 'f', '1', 'g', '2'],
    ['HINCRBY', 'h', 'f', '3'],
    ['HDEL', 'h', 'f', 'g'],
    ['SET', 'e', 'v', 'EX', '100'],
    ['DEL', 'e', 'dst', 'set2'],
    ['FLUSHALL'],
  ]

  // Reads of missing keys raise keymiss (m); every key creation raises new (n).
  const reads: string[][] = [
    ['GET', 'nokey'],
    ['EXISTS', 'nokey'],
    ['TYPE', 'nokey'],
    ['STRLEN', 'nokey'],
    ['SMEMBERS', 'nokey'],
    ['SISMEMBER', 'nokey', 'a'],
    ['ZSCORE', 'nokey', 'a'],
    ['ZRANGE', 'nokey', '0', '-1'],
    ['LRANGE', 'nokey', '0', '-1'],
    ['HGET', 'nokey', 'f'],
    ['HGETALL', 'nokey'],
    ['MGET', 'nokey', 's'],
    ['SET', 'fresh', '1'],
    ['SADD', 'fresh-set', 'a'],
    ['RPUSH', 'fresh-list', 'a'],
    ['HSET', 'fresh-hash', 'f', 'v'],
    ['ZADD', 'fresh-zset', '1', 'a'],
    ['COPY', 'fresh', 'fresh-copy'],
    ['RENAME', 'fresh-copy', 'renamed'],
    ['SUNIONSTORE', 'stored', 'fresh-set'],
  ]

  for (const [flags, extra] of [
    ['KEA', []],
    ['KEAnm', reads],
  ] as const) {
    it.skipIf(!hasRedis)(`a script across the families under ${flags}`, async () => {
      const steps = [...script, ...extra].filter((s) => t.srv.commands.lookup(s[0]) !== undefined)
      const run = async (port: number): Promise<string[]> => {
        const c = await RawClient.connect(port)
        await c.call('FLUSHALL')
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', flags)
        const l = await listener(port)
        for (const s of steps) await c.call(...s)
        const events = await l.drain()
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', '')
        l.close()
        c.close()
        return events
      }
      const engine = await run(t.port)
      expect(engine.length).toBeGreaterThan(10)
      expect(engine).toEqual(await run(real.port))
    })
  }
})
