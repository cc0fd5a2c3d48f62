// SCAN over real TCP: cursor validation, MATCH/COUNT/TYPE, lazy expiry on the way, the SCAN
// guarantee while another client keeps adding and deleting keys, the real redis-cli --scan, and
// the same results as a real redis-server for the same data.

import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  RawClient,
  ReplyError,
  encodeCommand,
  requireProgram,
  sleep,
  startRealRedis,
  withServer,
  type TestServer,
} from './helpers.js'

const run = promisify(execFile)

let t: TestServer
let c: RawClient

withServer((server, client) => {
  t = server
  c = client
})
beforeEach(async () => {
  await c.call('FLUSHALL')
})

const err = (m: string): ReplyError => new ReplyError(m)

/** Runs commands pipelined on one client and waits for every reply. */
async function pipeline(client: RawClient, cmds: string[][]): Promise<void> {
  client.writeRaw(Buffer.concat(cmds.map((a) => encodeCommand(a))))
  for (let i = 0; i < cmds.length; i++) {
    const r = await client.next()
    if (r instanceof ReplyError) throw new Error(`${cmds[i].join(' ')}: ${r.message}`)
  }
}

/** A full SCAN iteration; returns every key seen (with repeats) and the number of calls. */
async function fullScan(client: RawClient, ...opts: string[]): Promise<{ keys: string[]; calls: number }> {
  const keys: string[] = []
  let cursor = '0'
  let calls = 0
  do {
    const [next, batch] = (await client.call('SCAN', cursor, ...opts)) as [string, string[]]
    keys.push(...batch)
    cursor = next
    calls++
  } while (cursor !== '0')
  return { keys, calls }
}

describe('SCAN', () => {
  it('iterates every key exactly once on a table that does not change', async () => {
    await pipeline(
      c,
      Array.from({ length: 1000 }, (_, i) => ['SET', `key:${i}`, 'v']),
    )
    const { keys, calls } = await fullScan(c)
    expect(keys).toHaveLength(1000)
    expect(new Set(keys).size).toBe(1000)
    // COUNT 10 by default: about a hundred calls.
    expect(calls).toBeGreaterThanOrEqual(100)
    expect(calls).toBeLessThanOrEqual(101)
    const big = await fullScan(c, 'COUNT', '1000')
    expect(big.calls).toBe(1)
    expect(new Set(big.keys).size).toBe(1000)
  })

  it('COUNT bounds the work per call; cursors are slot positions', async () => {
    await pipeline(
      c,
      Array.from({ length: 50 }, (_, i) => ['SET', `k${i}`, 'v']),
    )
    const [cursor, batch] = (await c.call('SCAN', '0', 'COUNT', '5')) as [string, string[]]
    expect(batch).toHaveLength(5)
    expect(cursor).toBe('5')
    // A cursor past the end finishes the iteration.
    expect(await c.call('SCAN', '100000')).toEqual(['0', []])
    expect(await c.call('SCAN', '18446744073709551615')).toEqual(['0', []])
    expect(await c.call('SCAN', '-1')).toEqual(['0', []])
    // With most keys deleted a call still stops after 10×COUNT empty slots.
    for (let i = 0; i < 48; i++) await c.call('DEL', `k${i}`)
    const [c2, b2] = (await c.call('SCAN', '0', 'COUNT', '2')) as [string, string[]]
    expect(b2).toEqual([])
    expect(c2).toBe('21')
  })

  it('validates the cursor and options with Redis texts', async () => {
    expect(await c.call('SCAN', 'abc')).toEqual(err('ERR invalid cursor'))
    expect(await c.call('SCAN', '1.5')).toEqual(err('ERR invalid cursor'))
    expect(await c.call('SCAN', ' 1')).toEqual(err('ERR invalid cursor'))
    expect(await c.call('SCAN', '18446744073709551616')).toEqual(err('ERR invalid cursor'))
    expect(await c.call('SCAN', '0', 'COUNT', '0')).toEqual(err('ERR syntax error'))
    expect(await c.call('SCAN', '0', 'COUNT', 'x')).toEqual(err('ERR value is not an integer or out of range'))
    expect(await c.call('SCAN', '0', 'MATCH')).toEqual(err('ERR syntax error'))
    expect(await c.call('SCAN', '0', 'TYPE')).toEqual(err('ERR syntax error'))
    expect(await c.call('SCAN', '0', 'FOO', 'bar')).toEqual(err('ERR syntax error'))
    expect(await c.call('SCAN')).toEqual(err("ERR wrong number of arguments for 'scan' command"))
    // strtoul accepts an empty cursor as 0.
    expect(await c.call('SCAN', '')).toEqual(['0', []])
  })

  it('filters with MATCH and TYPE', async () => {
    await pipeline(c, [
      ['SET', 'user:1', 'a'],
      ['SET', 'user:2', 'b'],
      ['SADD', 'user:set', 'x'],
      ['SET', 'other', 'c'],
    ])
    expect((await fullScan(c, 'MATCH', 'user:*')).keys.sort()).toEqual(['user:1', 'user:2', 'user:set'])
    expect((await fullScan(c, 'MATCH', 'user:*', 'TYPE', 'string')).keys.sort()).toEqual(['user:1', 'user:2'])
    expect((await fullScan(c, 'TYPE', 'SET')).keys).toEqual(['user:set'])
    expect((await fullScan(c, 'TYPE', 'nosuchtype')).keys).toEqual([])
    expect((await fullScan(c, 'MATCH', '*')).keys).toHaveLength(4)
  })

  it('skips and deletes expired keys it meets', async () => {
    t.srv.activeExpireEnabled = false
    try {
      await pipeline(c, [
        ['SET', 'live', 'v'],
        ['SET', 'dead', 'v'],
        ['PEXPIRE', 'dead', '1'],
      ])
      await sleep(10)
      expect(await c.call('DBSIZE')).toBe(2)
      expect((await fullScan(c)).keys).toEqual(['live'])
      expect(await c.call('DBSIZE')).toBe(1)
    } finally {
      t.srv.activeExpireEnabled = true
    }
  })

  it('returns every key present for the whole iteration while another client keeps writing', async () => {
    const initial = Array.from({ length: 5000 }, (_, i) => `init:${i}`)
    await pipeline(
      c,
      initial.map((k) => ['SET', k, 'v']),
    )
    // Delete a third of them so the writer's new keys refill holes below and above the cursor.
    await pipeline(
      c,
      initial.filter((_, i) => i % 3 === 0).map((k) => ['DEL', k]),
    )
    const present = initial.filter((_, i) => i % 3 !== 0)
    // The writer adds (and sometimes deletes) keys until it has added 20000 or the scan is over.
    const writer = await RawClient.connect(t.port)
    let done = false
    let added = 0
    const writing = (async () => {
      while (!done && added < 20000) {
        const batch: string[][] = []
        for (let j = 0; j < 50; j++, added++) {
          batch.push(['SET', `new:${added}`, 'v'])
          if (added % 4 === 3) batch.push(['DEL', `new:${added - 1}`])
        }
        await pipeline(writer, batch)
      }
    })()
    const seen = new Set<string>()
    let cursor = '0'
    const addedAtStart = added
    let addedAtEnd: number
    try {
      do {
        const [next, batch] = (await c.call('SCAN', cursor, 'COUNT', '100')) as [string, string[]]
        for (const k of batch) seen.add(k)
        cursor = next
        // Give the writer a turn between calls so the table changes during the iteration.
        await sleep(0)
      } while (cursor !== '0')
      addedAtEnd = added
    } finally {
      done = true
      await writing
      writer.close()
    }
    expect(addedAtEnd - addedAtStart).toBeGreaterThan(2000)
    expect(present.filter((k) => !seen.has(k))).toEqual([])
  })
})

describe('redis-cli --scan', () => {
  it('lists every key, and those matching --pattern', async () => {
    if (!requireProgram('redis-cli')) return
    await pipeline(
      c,
      Array.from({ length: 300 }, (_, i) => ['SET', i % 2 ? `odd:${i}` : `even:${i}`, 'v']),
    )
    const all = await run('redis-cli', ['-p', String(t.port), '--scan'])
    const lines = all.stdout.split('\n').filter(Boolean)
    expect(lines).toHaveLength(300)
    expect(new Set(lines).size).toBe(300)
    const odd = await run('redis-cli', ['-p', String(t.port), '--scan', '--pattern', 'odd:*'])
    const oddLines = odd.stdout.split('\n').filter(Boolean).sort()
    expect(oddLines).toEqual(Array.from({ length: 150 }, (_, i) => `odd:${2 * i + 1}`).sort())
  })
})

describe('SCAN against a real redis-server', () => {
  it('finds the same keys for the same data and options', async () => {
    if (!requireProgram('redis-server')) return
    const real = await startRealRedis()
    const r = await RawClient.connect(real.port)
    try {
      const data: string[][] = []
      for (let i = 0; i < 500; i++) {
        data.push(i % 5 === 0 ? ['SADD', `s:${i}`, 'm'] : ['SET', `${i % 2 ? 'a' : 'b'}:${i}`, 'v'])
      }
      await pipeline(r, data)
      await pipeline(c, data)
      for (const opts of [
        [],
        ['MATCH', 'a:*'],
        ['MATCH', '*1?', 'COUNT', '7'],
        ['TYPE', 'set'],
        ['TYPE', 'string', 'MATCH', 'b:*'],
      ]) {
        const want = new Set((await fullScan(r, ...opts)).keys)
        const got = new Set((await fullScan(c, ...opts)).keys)
        expect({ opts, keys: [...got].sort() }).toEqual({ opts, keys: [...want].sort() })
      }
    } finally {
      r.close()
      await real.close()
    }
  })
})
