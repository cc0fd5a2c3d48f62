import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
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

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

/** Sends a command and collects `n` replies (SUBSCRIBE a b answers once per channel). */
async function callN(c: RawClient, n: number, ...args: string[]): Promise<Reply[]> {
  const first = await c.call(...args)
  const out = [first]
  for (let i = 1; i < n; i++) out.push(await c.next())
  return out
}

describe('SUBSCRIBE / PUBLISH (RESP2)', () => {
  it('confirms each channel with the running count and delivers messages as arrays', async () => {
    const sub = await RawClient.connect(t.port)
    const pub = await RawClient.connect(t.port)
    expect(await callN(sub, 3, 'SUBSCRIBE', 'a', 'b', 'a')).toEqual([
      ['subscribe', 'a', 1],
      ['subscribe', 'b', 2],
      ['subscribe', 'a', 2],
    ])
    expect(await pub.call('PUBLISH', 'a', 'hello')).toBe(1)
    expect(await sub.next()).toEqual(['message', 'a', 'hello'])
    expect(await pub.call('PUBLISH', 'nobody', 'x')).toBe(0)
    expect(await callN(sub, 2, 'UNSUBSCRIBE')).toEqual([
      ['unsubscribe', 'a', 1],
      ['unsubscribe', 'b', 0],
    ])
    expect(await sub.call('UNSUBSCRIBE')).toEqual(['unsubscribe', null, 0])
    // Out of the subscribed context again: any command works.
    expect(await sub.call('GET', 'x')).toBe(null)
    sub.close()
    pub.close()
  })

  it('matches patterns with pmessage, counting each matching subscription', async () => {
    const sub = await RawClient.connect(t.port)
    const pub = await RawClient.connect(t.port)
    await callN(sub, 2, 'PSUBSCRIBE', 'news.*', 'n*')
    expect(await sub.call('SUBSCRIBE', 'news.tech')).toEqual(['subscribe', 'news.tech', 3])
    expect(await pub.call('PUBLISH', 'news.tech', 'm1')).toBe(3)
    const got = [await sub.next(), await sub.next(), await sub.next()]
    expect(got).toEqual([
      ['message', 'news.tech', 'm1'],
      ['pmessage', 'news.*', 'news.tech', 'm1'],
      ['pmessage', 'n*', 'news.tech', 'm1'],
    ])
    expect(await sub.call('PUNSUBSCRIBE', 'n*')).toEqual(['punsubscribe', 'n*', 2])
    expect(await sub.call('PUNSUBSCRIBE', 'never')).toEqual(['punsubscribe', 'never', 2])
    expect(await pub.call('PUBLISH', 'nope', 'x')).toBe(0)
    sub.close()
    pub.close()
  })

  it('allows only (P)(UN)SUBSCRIBE, PING, QUIT and RESET while subscribed', async () => {
    const sub = await RawClient.connect(t.port)
    await sub.call('SUBSCRIBE', 'c')
    expect(await sub.call('GET', 'x')).toEqual(
      new ReplyError(
        "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
      ),
    )
    expect(await sub.call('CLIENT', 'LIST')).toEqual(
      new ReplyError(
        "ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
      ),
    )
    expect(await sub.call('PING')).toEqual(['pong', ''])
    expect(await sub.call('PING', 'hi')).toEqual(['pong', 'hi'])
    expect(await sub.call('RESET')).toBe('RESET')
    expect(await sub.call('GET', 'x')).toBe(null)
    sub.close()
  })
})

describe('RESP3', () => {
  it('sends confirmations and messages as pushes and allows every command while subscribed', async () => {
    const sub = await RawClient.connect(t.port)
    const pub = await RawClient.connect(t.port)
    await sub.call('HELLO', '3')
    expect(await sub.call('SUBSCRIBE', 'r3')).toEqual({ push: ['subscribe', 'r3', 1] })
    expect(await sub.call('PSUBSCRIBE', 'r*')).toEqual({ push: ['psubscribe', 'r*', 2] })
    expect(await sub.call('SET', 'k', 'v')).toBe('OK')
    expect(await sub.call('PING')).toBe('PONG')
    expect(await pub.call('PUBLISH', 'r3', 'm')).toBe(2)
    expect(await sub.next()).toEqual({ push: ['message', 'r3', 'm'] })
    expect(await sub.next()).toEqual({ push: ['pmessage', 'r*', 'r3', 'm'] })
    expect(await sub.call('UNSUBSCRIBE', 'r3')).toEqual({ push: ['unsubscribe', 'r3', 1] })
    expect(await sub.call('PUNSUBSCRIBE')).toEqual({ push: ['punsubscribe', 'r*', 0] })
    expect(await sub.call('PUNSUBSCRIBE')).toEqual({ push: ['punsubscribe', null, 0] })
    sub.close()
    pub.close()
  })
})

describe('PUBSUB introspection and clean-up', () => {
  it('reports channels, subscriber counts and patterns, and forgets closed clients', async () => {
    const a = await RawClient.connect(t.port)
    const b = await RawClient.connect(t.port)
    const q = await RawClient.connect(t.port)
    await callN(a, 2, 'SUBSCRIBE', 'x.1', 'y.1')
    await b.call('SUBSCRIBE', 'x.1')
    await callN(b, 2, 'PSUBSCRIBE', 'p1', 'p2')
    expect(new Set((await q.call('PUBSUB', 'CHANNELS')) as string[])).toEqual(new Set(['x.1', 'y.1']))
    expect(await q.call('PUBSUB', 'CHANNELS', 'x.*')).toEqual(['x.1'])
    expect(await q.call('PUBSUB', 'NUMSUB', 'x.1', 'y.1', 'z')).toEqual(['x.1', 2, 'y.1', 1, 'z', 0])
    expect(await q.call('PUBSUB', 'NUMSUB')).toEqual([])
    expect(await q.call('PUBSUB', 'NUMPAT')).toBe(2)
    expect(await q.call('PUBSUB', 'CHANNELS', 'a', 'b')).toEqual(
      new ReplyError("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."),
    )
    const list = (await q.call('CLIENT', 'LIST')) as string
    expect(list).toMatch(/flags=P .*sub=2 psub=0 /)
    expect(list).toMatch(/flags=P .*sub=1 psub=2 /)
    const info = (await q.call('INFO', 'stats')) as string
    expect(info).toContain('pubsub_channels:2\r\n')
    expect(info).toContain('pubsub_patterns:2\r\n')
    b.close()
    await sleep(50)
    expect(await q.call('PUBSUB', 'NUMSUB', 'x.1')).toEqual(['x.1', 1])
    expect(await q.call('PUBSUB', 'NUMPAT')).toBe(0)
    expect(await a.call('RESET')).toBe('RESET')
    expect(await q.call('PUBSUB', 'CHANNELS')).toEqual([])
    expect(await q.call('PUBLISH', 'x.1', 'gone')).toBe(0)
    a.close()
    q.close()
  })

  it('runs SUBSCRIBE queued in MULTI and then restricts the RESP2 client', async () => {
    const c = await RawClient.connect(t.port)
    await c.call('MULTI')
    await c.call('SUBSCRIBE', 'tx')
    expect(await c.call('EXEC')).toEqual([['subscribe', 'tx', 1]])
    expect(await c.call('GET', 'k')).toBeInstanceOf(ReplyError)
    c.close()
  })
})

describe('clients', () => {
  it('ioredis subscriber receives messages and pattern messages', async () => {
    const sub = new Redis({ port: t.port })
    const pub = new Redis({ port: t.port })
    const got: string[] = []
    sub.on('message', (ch: string, msg: string) => got.push(`${ch}:${msg}`))
    sub.on('pmessage', (p: string, ch: string, msg: string) => got.push(`${p}|${ch}:${msg}`))
    expect(await sub.subscribe('io1', 'io2')).toBe(2)
    expect(await sub.psubscribe('io*')).toBe(3)
    expect(await pub.publish('io1', 'hi')).toBe(2)
    await sleep(50)
    expect(got.sort()).toEqual(['io*|io1:hi', 'io1:hi'])
    expect(await sub.punsubscribe('io*')).toBe(2)
    expect(await sub.unsubscribe('io1', 'io2')).toBe(0)
    expect(await sub.get('after')).toBe(null)
    sub.disconnect()
    pub.disconnect()
  })

  for (const resp of [2, 3] as const) {
    it(`node-redis RESP${resp} subscriber`, async () => {
      const sub = createClient({ socket: { port: t.port }, RESP: resp })
      const pub = createClient({ socket: { port: t.port }, RESP: resp })
      await sub.connect()
      await pub.connect()
      const got: string[] = []
      await sub.subscribe('nr', (msg, ch) => got.push(`${ch}:${msg}`))
      await sub.pSubscribe('m?', (msg, ch) => got.push(`p ${ch}:${msg}`))
      expect(await pub.publish('nr', 'one')).toBe(1)
      expect(await pub.publish('mx', 'two')).toBe(1)
      await sleep(50)
      expect(got).toEqual(['nr:one', 'p mx:two'])
      expect(await pub.pubSubNumSub(['nr'])).toEqual({ nr: 1 })
      await sub.unsubscribe('nr')
      await sub.pUnsubscribe()
      expect(await pub.pubSubNumPat()).toBe(0)
      await sub.quit()
      await pub.quit()
    })
  }
})

describe('same replies as redis-server', () => {
  const hasRedis = requireProgram('redis-server')
  let real: RealRedis
  let engine: TestServer
  beforeAll(async () => {
    if (!hasRedis) return
    real = await startRealRedis()
    engine = await startServer()
  })
  afterAll(async () => {
    if (!hasRedis) return
    await real.close()
    await engine.close()
  })

  for (const resp of ['2', '3']) {
    it.skipIf(!hasRedis)(`a subscribe/publish session in RESP${resp}`, async () => {
      const steps: [number, 'sub' | 'pub', ...string[]][] = [
        [1, 'sub', 'UNSUBSCRIBE'],
        [1, 'sub', 'PUNSUBSCRIBE'],
        [2, 'sub', 'SUBSCRIBE', 'c1', 'c2'],
        [2, 'sub', 'PSUBSCRIBE', 'c*', 'd*'],
        [2, 'pub', 'PUBLISH', 'c1', 'payload'],
        [1, 'pub', 'PUBLISH', 'd1', 'payload'],
        [1, 'sub', 'PING', 'x'],
        [1, 'pub', 'PUBSUB', 'NUMSUB', 'c1', 'c3'],
        [1, 'pub', 'PUBSUB', 'NUMPAT'],
        [1, 'sub', 'GET', 'k'],
        [1, 'sub', 'PUBSUB', 'NUMPAT', 'x'],
        [2, 'sub', 'UNSUBSCRIBE', 'c2', 'c9'],
        [2, 'sub', 'PUNSUBSCRIBE'],
        [1, 'sub', 'UNSUBSCRIBE'],
        [1, 'sub', 'PING'],
      ]
      const run = async (port: number): Promise<Reply[]> => {
        const sub = await RawClient.connect(port)
        const pub = await RawClient.connect(port)
        await sub.call('HELLO', resp)
        const out: Reply[] = []
        for (const [n, who, ...args] of steps) {
          const c = who === 'sub' ? sub : pub
          out.push(await c.call(...args))
          // PUBLISH's messages arrive at the subscriber: collect them with the step's count.
          const from = who === 'pub' && args[0] === 'PUBLISH' ? sub : c
          for (let i = who === 'pub' && args[0] === 'PUBLISH' ? 0 : 1; i < n; i++) out.push(await from.next())
        }
        sub.close()
        pub.close()
        return out
      }
      expect(await run(engine.port)).toEqual(await run(real.port))
    })
  }
})
