import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RawClient, ReplyError, requireProgram, sleep, startServer, type TestServer } from './helpers.js'
import { labelled, runBoth, startPair, type Pair, type Step } from './compare.js'
import { ListValue } from '../src/types/list.js'

const HAVE_REDIS = requireProgram('redis-server')

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

async function client(db = 0): Promise<RawClient> {
  const c = await RawClient.connect(t.port)
  if (db !== 0) await c.call('SELECT', db)
  return c
}

const E = (m: string): ReplyError => new ReplyError(m)

/** Every list command with normal cases, edge cases and every error path. */
function coverageScript(): Step[] {
  return [
    ['RPUSH', 'l', 'a', 'b', 'c', '1', '2', '300', '-70000'],
    ['LPUSH', 'l', 'z', 'y'],
    ['LRANGE', 'l', '0', '-1'],
    ['LRANGE', 'l', '-3', '100'],
    ['LRANGE', 'l', '5', '2'],
    ['LRANGE', 'l', '-100', '1'],
    ['LRANGE', 'l', '20', '30'],
    ['LRANGE', 'l', 'x', '1'],
    ['LRANGE', 'nokey', '0', '-1'],
    ['LLEN', 'l'],
    ['LLEN', 'nokey'],
    ['LINDEX', 'l', '0'],
    ['LINDEX', 'l', '-1'],
    ['LINDEX', 'l', '99'],
    ['LINDEX', 'l', 'x'],
    ['LINDEX', 'nokey', 'x'],
    ['LSET', 'l', '1', 'Y'],
    ['LSET', 'l', '-1', 'last'],
    ['LSET', 'l', '50', 'v'],
    ['LSET', 'l', 'x', 'v'],
    ['LSET', 'nokey', '0', 'v'],
    ['LINSERT', 'l', 'BEFORE', 'a', 'pre-a'],
    ['LINSERT', 'l', 'after', 'a', 'post-a'],
    ['LINSERT', 'l', 'after', 'nope', 'x'],
    ['LINSERT', 'l', 'middle', 'a', 'x'],
    ['LINSERT', 'nokey', 'before', 'a', 'x'],
    ['LRANGE', 'l', '0', '-1'],
    ['RPUSH', 'r', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
    ['LREM', 'r', '2', 'a'],
    ['LRANGE', 'r', '0', '-1'],
    ['LREM', 'r', '-1', 'a'],
    ['LRANGE', 'r', '0', '-1'],
    ['LREM', 'r', '0', 'b'],
    ['LREM', 'r', '0', 'zz'],
    ['LREM', 'r', 'x', 'a'],
    ['LREM', 'nokey', '0', 'a'],
    ['LREM', 'r', '0', 'a'],
    ['LREM', 'r', '0', 'c'],
    ['EXISTS', 'r'],
    ['RPUSH', 'p', 'a', 'b', 'c', 'a', 'b', 'c', 'a'],
    ['LPOS', 'p', 'a'],
    ['LPOS', 'p', 'c'],
    ['LPOS', 'p', 'zz'],
    ['LPOS', 'p', 'a', 'RANK', '2'],
    ['LPOS', 'p', 'a', 'RANK', '-1'],
    ['LPOS', 'p', 'a', 'RANK', '-2'],
    ['LPOS', 'p', 'a', 'RANK', '9'],
    ['LPOS', 'p', 'a', 'COUNT', '0'],
    ['LPOS', 'p', 'a', 'COUNT', '2'],
    ['LPOS', 'p', 'a', 'COUNT', '2', 'RANK', '-1'],
    ['LPOS', 'p', 'a', 'COUNT', '0', 'MAXLEN', '4'],
    ['LPOS', 'p', 'c', 'MAXLEN', '2'],
    ['LPOS', 'p', 'zz', 'COUNT', '1'],
    ['LPOS', 'nokey', 'a'],
    ['LPOS', 'nokey', 'a', 'COUNT', '1'],
    ['LPOS', 'p', 'a', 'RANK', '0'],
    ['LPOS', 'p', 'a', 'RANK', '-9223372036854775808'],
    ['LPOS', 'p', 'a', 'RANK', '-9223372036854775808', 'COUNT', '1'],
    ['LPOS', 'p', 'a', 'RANK', '-9223372036854775807', 'COUNT', '1'],
    ['LPOS', 'p', 'a', 'RANK', '9223372036854775807'],
    ['LPOS', 'p', 'a', 'RANK', 'x'],
    ['LPOS', 'p', 'a', 'COUNT', '-1'],
    ['LPOS', 'p', 'a', 'COUNT', 'x'],
    ['LPOS', 'p', 'a', 'MAXLEN', '-1'],
    ['LPOS', 'p', 'a', 'RANK'],
    ['LPOS', 'p', 'a', 'BOGUS', '1'],
    ['RPUSH', 't', '0', '1', '2', '3', '4', '5', '6', '7'],
    ['LTRIM', 't', '1', '-2'],
    ['LRANGE', 't', '0', '-1'],
    ['LTRIM', 't', '-100', '100'],
    ['LRANGE', 't', '0', '-1'],
    ['LTRIM', 't', 'x', '1'],
    ['LTRIM', 'nokey', '0', '1'],
    ['LTRIM', 't', '5', '1'],
    ['EXISTS', 't'],
    ['LPOP', 'l'],
    ['RPOP', 'l'],
    ['LPOP', 'l', '2'],
    ['RPOP', 'l', '3'],
    ['LPOP', 'l', '0'],
    ['LPOP', 'nokey'],
    ['LPOP', 'nokey', '0'],
    ['LPOP', 'nokey', '2'],
    ['LPOP', 'l', '-1'],
    ['LPOP', 'l', 'x'],
    ['LPOP', 'l', '1', '2'],
    ['RPOP', 'l', '100'],
    ['EXISTS', 'l'],
    ['LPUSHX', 'nokey', 'a'],
    ['RPUSHX', 'nokey', 'a'],
    ['RPUSH', 'x', 'a'],
    ['LPUSHX', 'x', 'b', 'c'],
    ['RPUSHX', 'x', 'd'],
    ['LRANGE', 'x', '0', '-1'],
    ['SET', 's', 'v'],
    ['LPUSH', 's', 'a'],
    ['RPUSHX', 's', 'a'],
    ['LRANGE', 's', '0', '1'],
    ['LLEN', 's'],
    ['LPOP', 's'],
    ['LINDEX', 's', '0'],
    ['LSET', 's', '0', 'a'],
    ['LPOS', 's', 'a'],
    ['LREM', 's', '0', 'a'],
    ['LTRIM', 's', '0', '1'],
    ['LINSERT', 's', 'before', 'a', 'b'],
    ['RPUSH', 'src', '1', '2', '3'],
    ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'],
    ['LMOVE', 'src', 'dst', 'right', 'left'],
    ['LMOVE', 'src', 'src', 'left', 'right'],
    ['LRANGE', 'src', '0', '-1'],
    ['LRANGE', 'dst', '0', '-1'],
    ['LMOVE', 'src', 'dst', 'up', 'left'],
    ['LMOVE', 'src', 's', 'left', 'left'],
    ['LMOVE', 's', 'dst', 'left', 'left'],
    ['LMOVE', 'nokey', 'dst', 'left', 'left'],
    ['RPOPLPUSH', 'src', 'dst'],
    ['RPOPLPUSH', 'src', 'dst'],
    ['EXISTS', 'src'],
    ['RPOPLPUSH', 'nokey', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['RPUSH', 'm1', 'a', 'b', 'c'],
    ['LMPOP', '2', 'nokey', 'm1', 'LEFT'],
    ['LMPOP', '2', 'nokey', 'm1', 'RIGHT', 'COUNT', '5'],
    ['LMPOP', '1', 'nokey', 'LEFT'],
    ['LMPOP', '0', 'm1', 'LEFT'],
    ['LMPOP', 'x', 'm1', 'LEFT'],
    ['LMPOP', '5', 'm1', 'LEFT'],
    ['LMPOP', '1', 'm1', 'UP'],
    ['LMPOP', '1', 'm1', 'LEFT', 'COUNT', '0'],
    ['LMPOP', '1', 'm1', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
    ['LMPOP', '1', 'm1', 'LEFT', 'BOGUS'],
    ['LMPOP', '2', 's', 'm1', 'LEFT'],
    ['RPUSH', 'b1', 'a', 'b'],
    ['BLPOP', 'nokey', 'b1', '0'],
    ['BRPOP', 'b1', '1'],
    ['BLPOP', 'b1', 'x'],
    ['BLPOP', 'b1', '-1'],
    ['BLPOP', 'b1', 'inf'],
    ['BLPOP', 's', '0'],
    ['RPUSH', 'hx', 'a', 'b'],
    ['BLPOP', 'hx', '0x10'],
    ['BLPOP', 'hx', '1e5000'],
    ['BLPOP', 'hx', '1e-5000'],
    ['BLPOP', 'hx', '-0'],
    ['RPUSH', 'b2', 'a', 'b', 'c'],
    ['BLMPOP', '0', '1', 'b2', 'LEFT', 'COUNT', '2'],
    ['BLMPOP', 'x', '1', 'b2', 'LEFT'],
    ['BLMPOP', '0', '0', 'b2', 'LEFT'],
    ['BLMOVE', 'b2', 'b3', 'RIGHT', 'LEFT', '0'],
    ['BLMOVE', 'b2', 'b3', 'RIGHT', 'LEFT', '-1'],
    ['BLMOVE', 'b2', 'b3', 'RIGHT', 'UP', '0'],
    ['BRPOPLPUSH', 'b3', 'b2', 'x'],
    ['BRPOPLPUSH', 'b3', 'b2', '0'],
    ['LRANGE', 'b2', '0', '-1'],
    ['OBJECT', 'ENCODING', 'b2'],
    ['LPUSH'],
    ['LPUSH', 'k'],
    ['LINSERT', 'k', 'before', 'a'],
    ['LMPOP', '1', 'k'],
  ]
}

/** Lists that cross node boundaries, LINSERT splits and merges, LSET growth, LTRIM/LREM across nodes. */
function layoutScript(): Step[] {
  const steps: Step[] = []
  const big = (ch: string, n: number): string => ch.repeat(n)
  // 8 KB nodes filled with 100-byte entries, exact boundary with 10-byte and integer entries.
  for (let i = 0; i < 200; i++) steps.push(['RPUSH', 'a', big(String.fromCharCode(97 + (i % 26)), 100)])
  steps.push(['DUMP', 'a'])
  for (let i = 0; i < 1500; i++) steps.push(['LPUSH', 'n', String(i * 37)])
  steps.push(['DUMP', 'n'])
  // Inserts in the middle of full nodes: splits and merges.
  for (let i = 0; i < 40; i++) steps.push(['LINSERT', 'a', i % 2 ? 'AFTER' : 'BEFORE', big('m', 100), big('I', 50 + i)])
  steps.push(['DUMP', 'a'])
  for (let i = 0; i < 30; i++) steps.push(['LSET', 'a', String(i * 7), big('S', 300)])
  steps.push(['DUMP', 'a'])
  steps.push(['LTRIM', 'a', '33', '-40'], ['DUMP', 'a'], ['LREM', 'a', '0', big('c', 100)], ['DUMP', 'a'])
  steps.push(['LRANGE', 'a', '0', '-1'], ['OBJECT', 'ENCODING', 'a'])
  return steps
}

describe('list commands compared with redis-server', () => {
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
      const { engine, redis } = await runBoth(pair, steps, { resp3 })
      expect(labelled(steps, engine)).toEqual(labelled(steps, redis))
    }
  })

  it.skipIf(!HAVE_REDIS)('lays quicklist nodes out exactly as Redis (DUMP bytes equal)', async () => {
    const steps = layoutScript()
    const { engine, redis } = await runBoth(pair, steps)
    expect(labelled(steps, engine)).toEqual(labelled(steps, redis))
  })

  it.skipIf(!HAVE_REDIS)('node fill follows list-max-listpack-size set at list creation', async () => {
    for (const fill of ['-1', '-5', '1', '5', '128']) {
      const steps: Step[] = [['CONFIG', 'SET', 'list-max-ziplist-size', fill]]
      for (let i = 0; i < 300; i++) steps.push(['RPUSH', 'f', 'x'.repeat(i % 90)])
      steps.push(['DUMP', 'f'], ['CONFIG', 'SET', 'list-max-listpack-size', '-2'])
      for (let i = 0; i < 50; i++) steps.push(['RPUSH', 'f', 'y'.repeat(200)])
      steps.push(['DUMP', 'f'], ['CONFIG', 'GET', 'list-max-listpack-size'])
      const { engine, redis } = await runBoth(pair, steps)
      expect(labelled(steps, engine)).toEqual(labelled(steps, redis))
    }
  })
})

/** A seeded random sequence of list commands over a few keys, values and indexes. */
function randomListScript(seed: number, n: number): Step[] {
  let x = seed
  const rnd = (k: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    return x % k
  }
  const key = (): string => ['la', 'lb', 'lc'][rnd(3)]
  const val = (): string => (rnd(4) === 0 ? 'v'.repeat(rnd(120)) : String(rnd(6) - 2))
  const idx = (): string => String(rnd(14) - 7)
  const side = (): string => (rnd(2) ? 'LEFT' : 'RIGHT')
  const gens: (() => Step)[] = [
    () => ['LPUSH', key(), val(), val()],
    () => ['RPUSH', key(), val()],
    () => ['LPUSHX', key(), val()],
    () => ['RPUSHX', key(), val()],
    () => ['LPOP', key()],
    () => ['RPOP', key(), String(rnd(4))],
    () => ['LLEN', key()],
    () => ['LINDEX', key(), idx()],
    () => ['LSET', key(), idx(), val()],
    () => ['LRANGE', key(), idx(), idx()],
    () => ['LINSERT', key(), rnd(2) ? 'BEFORE' : 'AFTER', val(), val()],
    () => ['LREM', key(), idx(), val()],
    () => ['LTRIM', key(), idx(), idx()],
    () => ['LPOS', key(), val(), 'RANK', String(rnd(2) ? 1 + rnd(3) : -1 - rnd(3)), 'COUNT', String(rnd(3))],
    () => ['LMOVE', key(), key(), side(), side()],
    () => ['RPOPLPUSH', key(), key()],
    () => ['LMPOP', '2', key(), key(), side(), 'COUNT', String(1 + rnd(3))],
    () => ['BLPOP', key(), key(), '0.01'],
    () => ['BLMOVE', key(), key(), side(), side(), '0.01'],
  ]
  const steps: Step[] = []
  for (let i = 0; i < n; i++) steps.push(gens[rnd(gens.length)]())
  for (const k of ['la', 'lb', 'lc']) steps.push(['LRANGE', k, '0', '-1'], ['DUMP', k])
  return steps
}

describe('random list command sequences', () => {
  let pair: Pair
  beforeAll(async () => {
    if (HAVE_REDIS) pair = await startPair(['--rdbcompression', 'no', '--list-max-listpack-size', '5'])
  })
  afterAll(async () => {
    await pair?.close()
  })

  it.skipIf(!HAVE_REDIS)('give identical replies on the engine and on redis-server', async () => {
    for (const seed of [1, 2, 3]) {
      const steps = randomListScript(seed, 400)
      const { engine, redis } = await runBoth(pair, steps)
      expect(labelled(steps, engine)).toEqual(labelled(steps, redis))
    }
  })
})

describe('list commands', () => {
  it('reports quicklist encoding and a size that grows with the data', async () => {
    const c = await client()
    await c.call('RPUSH', 'enc', 'a')
    expect(await c.call('OBJECT', 'ENCODING', 'enc')).toBe('quicklist')
    const v = t.srv.keyspace.dbs[0].peek('enc') as ListValue
    const small = v.memoryUsage()
    await c.call('RPUSH', 'enc', ...Array.from({ length: 1000 }, (_, i) => `element-${i}`))
    expect(v.ql.nodes.length).toBeGreaterThan(1)
    expect(v.memoryUsage()).toBeGreaterThan(small + 1000 * 10)
    const copy = v.clone()
    await c.call('LPOP', 'enc', '500')
    expect(copy.length).toBe(1001)
    c.close()
  })

  it('emits keyspace events for list changes', async () => {
    const c = await client()
    const sub = await client()
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*')
    const events: string[] = []
    const collect = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const m = (await sub.next()) as string[]
        events.push(`${m[2].split(':')[1]} ${m[3]}`)
      }
    }
    await c.call('RPUSH', 'ev', 'a', 'b', 'c')
    await c.call('LPUSH', 'ev', 'z')
    await c.call('LSET', 'ev', '0', 'y')
    await c.call('LINSERT', 'ev', 'BEFORE', 'a', 'x')
    await c.call('LREM', 'ev', '1', 'x')
    await c.call('LTRIM', 'ev', '0', '1')
    await c.call('LMOVE', 'ev', 'ev2', 'LEFT', 'RIGHT')
    await c.call('RPOP', 'ev')
    await collect(10)
    expect(events).toEqual([
      'rpush ev',
      'lpush ev',
      'lset ev',
      'linsert ev',
      'lrem ev',
      'ltrim ev',
      'rpush ev2',
      'lpop ev',
      'rpop ev',
      'del ev',
    ])
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '')
    c.close()
    sub.close()
  })
})

describe('blocking list commands', () => {
  it('BLPOP waits and is woken by a push from another client', async () => {
    const a = await client()
    const b = await client()
    const p = a.call('BLPOP', 'bl1', 'bl2', '0')
    await sleep(30)
    expect(await b.call('CLIENT', 'LIST')).toMatch(/flags=b /)
    expect(await b.call('RPUSH', 'bl2', 'v1', 'v2')).toBe(2)
    expect(await p).toEqual(['bl2', 'v1'])
    expect(await b.call('LRANGE', 'bl2', '0', '-1')).toEqual(['v2'])
    // The unblocked client goes on with its next commands.
    expect(await a.call('PING')).toBe('PONG')
    a.close()
    b.close()
  })

  it('serves the first blocked client first', async () => {
    const waiters = await Promise.all([client(), client(), client()])
    const pusher = await client()
    const replies: Promise<unknown>[] = []
    for (const w of waiters) {
      replies.push(w.call('BRPOP', 'fifo', '0'))
      await sleep(20)
    }
    await pusher.call('LPUSH', 'fifo', 'one', 'two', 'three')
    expect(await Promise.all(replies)).toEqual([
      ['fifo', 'one'],
      ['fifo', 'two'],
      ['fifo', 'three'],
    ])
    for (const w of [...waiters, pusher]) w.close()
  })

  it('times out with a null array after the float timeout', async () => {
    const a = await client()
    const t0 = Date.now()
    expect(await a.call('BLPOP', 'never', '0.1')).toBe(null)
    const took = Date.now() - t0
    expect(took).toBeGreaterThanOrEqual(95)
    expect(took).toBeLessThan(1000)
    expect(await a.call('BRPOPLPUSH', 'never', 'dst', '0.05')).toBe(null)
    expect(await a.call('BLMPOP', '0.05', '1', 'never', 'LEFT')).toBe(null)
    await a.call('HELLO', '3')
    expect(await a.call('BLMOVE', 'never', 'dst', 'LEFT', 'LEFT', '0.05')).toBe(null)
    a.close()
  })

  it('wakes only waiters of the same database', async () => {
    const inDb9 = await client(9)
    const inDb0 = await client()
    const pusher = await client(9)
    const p9 = inDb9.call('BLPOP', 'dbk', '0')
    const p0 = inDb0.call('BLPOP', 'dbk', '0.3')
    await sleep(30)
    await pusher.call('RPUSH', 'dbk', 'nine')
    expect(await p9).toEqual(['dbk', 'nine'])
    expect(await p0).toBe(null)
    for (const x of [inDb9, inDb0, pusher]) x.close()
  })

  it('is woken by SWAPDB bringing in a list, and by MOVE', async () => {
    const a = await client()
    const b = await client(1)
    const p = a.call('BLPOP', 'swapped', '0')
    await sleep(30)
    await b.call('RPUSH', 'swapped', 'from-db1')
    expect(await b.call('SWAPDB', '0', '1')).toBe('OK')
    expect(await p).toEqual(['swapped', 'from-db1'])
    const q = a.call('BRPOP', 'moved', '0')
    await sleep(30)
    await b.call('RPUSH', 'moved', 'via-move')
    expect(await b.call('MOVE', 'moved', '0')).toBe(1)
    expect(await q).toEqual(['moved', 'via-move'])
    a.close()
    b.close()
  })

  it('is woken after EXEC with the state at the end of the transaction', async () => {
    const a = await client()
    const b = await client()
    const p = a.call('BLPOP', 'tx', '0')
    await sleep(30)
    expect(await b.call('MULTI')).toBe('OK')
    await b.call('LPUSH', 'tx', 'a')
    await b.call('LPUSH', 'tx', 'b')
    await b.call('LPUSH', 'tx', 'c')
    expect(await b.call('EXEC')).toEqual([1, 2, 3])
    expect(await p).toEqual(['tx', 'c'])
    // A push deleted again in the same transaction wakes nobody.
    const q = a.call('BLPOP', 'tx2', '0.3')
    await sleep(30)
    await b.call('MULTI')
    await b.call('LPUSH', 'tx2', 'a')
    await b.call('DEL', 'tx2')
    await b.call('EXEC')
    expect(await q).toBe(null)
    a.close()
    b.close()
  })

  it('does not block inside MULTI', async () => {
    const a = await client()
    await a.call('MULTI')
    await a.call('BLPOP', 'empty', '0')
    await a.call('BLMOVE', 'empty', 'x', 'LEFT', 'LEFT', '0')
    await a.call('BLMPOP', '0', '1', 'empty', 'LEFT')
    expect(await a.call('EXEC')).toEqual([null, null, null])
    a.close()
  })

  it('serves a blocked client before the next pipelined command of the pusher', async () => {
    const a = await client()
    const b = await client()
    const p = a.call('BLPOP', 'pipe', '0')
    await sleep(30)
    b.writeRaw('RPUSH pipe x\r\nLPOP pipe\r\n')
    expect(await b.next()).toBe(1)
    expect(await b.next()).toBe(null)
    expect(await p).toEqual(['pipe', 'x'])
    a.close()
    b.close()
  })

  it('BLMOVE moves to the destination when woken; WRONGTYPE destination unblocks with an error', async () => {
    const a = await client()
    const b = await client()
    const p = a.call('BLMOVE', 'mv-src', 'mv-dst', 'RIGHT', 'LEFT', '0')
    await sleep(30)
    await b.call('RPUSH', 'mv-src', '1', '2')
    expect(await p).toBe('2')
    expect(await b.call('LRANGE', 'mv-dst', '0', '-1')).toEqual(['2'])
    await b.call('DEL', 'mv-src')
    await b.call('SET', 'mv-str', 'x')
    const q = a.call('BRPOPLPUSH', 'mv-src', 'mv-str', '0')
    await sleep(30)
    await b.call('RPUSH', 'mv-src', 'v')
    expect(await q).toEqual(E('WRONGTYPE Operation against a key holding the wrong kind of value'))
    expect(await b.call('LRANGE', 'mv-src', '0', '-1')).toEqual(['v'])
    a.close()
    b.close()
  })

  it('chains blocked BRPOPLPUSH clients: a served move wakes the waiter of its destination', async () => {
    const a = await client()
    const b = await client()
    const c = await client()
    const p = a.call('BRPOPLPUSH', 'ch1', 'ch2', '0')
    const q = b.call('BRPOPLPUSH', 'ch2', 'ch3', '0')
    await sleep(30)
    await c.call('RPUSH', 'ch1', 'x')
    expect(await p).toBe('x')
    expect(await q).toBe('x')
    expect(await c.call('LRANGE', 'ch3', '0', '-1')).toEqual(['x'])
    expect(await c.call('EXISTS', 'ch1', 'ch2')).toBe(0)
    // A list renamed into place wakes its waiter too.
    const r = a.call('BLPOP', 'renamed', '0')
    await sleep(30)
    await c.call('RPUSH', 'tmp', 'r')
    await c.call('RENAME', 'tmp', 'renamed')
    expect(await r).toEqual(['renamed', 'r'])
    for (const x of [a, b, c]) x.close()
  })

  it('BLMPOP pops up to COUNT from the first key that gets elements', async () => {
    const a = await client()
    const b = await client()
    const p = a.call('BLMPOP', '0', '2', 'mp1', 'mp2', 'RIGHT', 'COUNT', '3')
    await sleep(30)
    await b.call('RPUSH', 'mp2', 'a', 'b')
    expect(await p).toEqual(['mp2', ['b', 'a']])
    expect(await b.call('EXISTS', 'mp2')).toBe(0)
    a.close()
    b.close()
  })

  it('propagates served pops as LPOP/LMOVE so the AOF and replicas see the change', async () => {
    const seen: string[][] = []
    const hook = (_db: number, argv: string[]): void => {
      seen.push(argv)
    }
    t.srv.hooks.propagate.push(hook)
    try {
      const a = await client()
      const b = await client()
      const p = a.call('BRPOP', 'pr', '0')
      const q = b.call('BLMOVE', 'pr2', 'pr3', 'LEFT', 'RIGHT', '0')
      await sleep(30)
      const c = await client()
      await c.call('RPUSH', 'pr', 'x')
      await c.call('RPUSH', 'pr2', 'y')
      await p
      await q
      expect(seen).toEqual([
        ['RPUSH', 'pr', 'x'],
        ['RPOP', 'pr'],
        ['RPUSH', 'pr2', 'y'],
        ['LMOVE', 'pr2', 'pr3', 'LEFT', 'RIGHT'],
      ])
      seen.length = 0
      await c.call('RPUSH', 'pr', 'z')
      await c.call('BLPOP', 'pr', '0')
      expect(seen).toEqual([
        ['RPUSH', 'pr', 'z'],
        ['LPOP', 'pr'],
      ])
      for (const x of [a, b, c]) x.close()
    } finally {
      t.srv.hooks.propagate.splice(t.srv.hooks.propagate.indexOf(hook), 1)
    }
  })

  it('forgets a blocked client that disconnects', async () => {
    const a = await client()
    const b = await client()
    void a.call('BLPOP', 'gone', '0').catch(() => undefined)
    await sleep(30)
    a.close()
    await sleep(30)
    await b.call('RPUSH', 'gone', 'kept')
    expect(await b.call('LRANGE', 'gone', '0', '-1')).toEqual(['kept'])
    const info = (await b.call('INFO', 'clients')) as string
    expect(info).toMatch(/blocked_clients:0/)
    b.close()
  })
})
