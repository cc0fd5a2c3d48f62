import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RawClient, ReplyError, sleep, startServer, type TestServer } from './helpers.js'
import { blockingFor, canBlock, parseTimeout } from '../src/server/blocking.js'
import type { Client } from '../src/server/client.js'

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

/** A connection and the engine's Client object behind it. */
async function connect(): Promise<{ raw: RawClient; c: Client }> {
  const raw = await RawClient.connect(t.port)
  const id = (await raw.call('CLIENT', 'ID')) as number
  return { raw, c: t.srv.clients.get(id) as Client }
}

describe('parseTimeout', () => {
  it('turns float seconds into an absolute deadline and rejects bad values with Redis texts', async () => {
    const { raw, c } = await connect()
    const now = t.srv.now()
    expect(parseTimeout(c, '0', t.srv)).toBe(0)
    expect(parseTimeout(c, '0.0001', t.srv)).toBe(0) // truncated to 0 ms: wait forever, as Redis
    expect(parseTimeout(c, '1.5', t.srv)).toBe(now + 1500)
    expect(parseTimeout(c, '-0.0005', t.srv)).toBe(0)
    for (const bad of ['-1', 'inf', '1e300', '-inf']) expect(parseTimeout(c, bad, t.srv)).toBe(null)
    for (const bad of ['abc', '', ' 1', 'nan']) expect(parseTimeout(c, bad, t.srv)).toBe(null)
    expect(c.out).toBe(
      '-ERR timeout is negative\r\n'.repeat(4) + '-ERR timeout is not a float or out of range\r\n'.repeat(4),
    )
    c.out = ''
    raw.close()
  })

  it('lets EXEC deny blocking', async () => {
    const { raw, c } = await connect()
    expect(canBlock(c)).toBe(true)
    c.ext.denyBlocking = true
    expect(canBlock(c)).toBe(false)
    delete c.ext.denyBlocking
    raw.close()
  })
})

describe('BlockingManager', () => {
  it('blocks on any condition a command defines and serves waiters first come, first served', async () => {
    const m = blockingFor(t.srv)
    const waiters = [await connect(), await connect()]
    const served: string[] = []
    for (const [i, w] of waiters.entries()) {
      m.block(w.c, {
        keys: ['gen', 'gen'],
        deadline: 0,
        // A generic waiter: served once the key holds a string, which it consumes.
        serve(c, key) {
          const v = c.db.lookupWrite(key)
          if (typeof v !== 'string') return false
          c.db.delete(key)
          c.bulk(`${i}:${v}`)
          served.push(`${i}:${v}`)
          return true
        },
      })
    }
    expect(m.blockingKeys).toBe(1)
    expect(m.blockedClients).toBe(2)
    const pusher = await RawClient.connect(t.port)
    await pusher.call('SET', 'gen', 'first')
    expect(await waiters[0].raw.next()).toBe('0:first')
    await pusher.call('SET', 'gen', 'second')
    expect(await waiters[1].raw.next()).toBe('1:second')
    expect(served).toEqual(['0:first', '1:second'])
    expect(m.blockedClients).toBe(0)
    expect(m.blockingKeys).toBe(0)
    for (const w of waiters) w.raw.close()
    pusher.close()
  })

  it('keeps queued commands until the client is unblocked, then runs them', async () => {
    const { raw, c } = await connect()
    raw.writeRaw('BLPOP q-empty 0\r\nPING\r\n')
    await sleep(30)
    expect(c.blocked).toBe(true)
    const m = blockingFor(t.srv)
    // What CLIENT UNBLOCK … ERROR would do.
    expect(m.unblock(c, (cl) => cl.error('UNBLOCKED client unblocked via CLIENT UNBLOCK'))).toBe(true)
    expect(await raw.next()).toEqual(new ReplyError('UNBLOCKED client unblocked via CLIENT UNBLOCK'))
    expect(await raw.next()).toBe('PONG')
    expect(m.unblock(c, () => undefined)).toBe(false)
    raw.close()
  })

  it('replies with the request timeout reply when the deadline passes', async () => {
    const { raw, c } = await connect()
    blockingFor(t.srv).block(c, {
      keys: ['never-set'],
      deadline: Date.now() + 50,
      serve: () => false,
      timeoutReply: (cl) => cl.int(-1),
    })
    const t0 = Date.now()
    expect(await raw.next()).toBe(-1)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40)
    raw.close()
  })

  it('drops a disconnected client from every key it waited on', async () => {
    const m = blockingFor(t.srv)
    const { raw } = await connect()
    raw.writeRaw('BLPOP dc1 dc2 dc3 0\r\n')
    await sleep(30)
    expect(m.blockedClients).toBe(1)
    expect(m.blockingKeys).toBe(3)
    raw.close()
    await sleep(30)
    expect(m.blockedClients).toBe(0)
    expect(m.blockingKeys).toBe(0)
  })
})
