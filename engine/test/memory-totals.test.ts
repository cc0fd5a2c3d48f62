// The keyspace's running memory totals (MemoryTotals), which make used_memory O(1) for eviction:
// after mixed workloads over real TCP (every type, TTLs, deletions, RENAME/MOVE/COPY, SWAPDB,
// FLUSHDB/FLUSHALL, MULTI, DEBUG RELOAD, expiry, eviction) they must equal the per-db sums measured
// afresh from every key, and MEMORY STATS / INFO must report exactly those sums.

import { describe, expect, it } from 'vitest'
import { RawClient, withServer, type TestServer } from './helpers.js'
import { keyBytes } from '../src/keyspace/accounting.js'
import { evictorOf } from '../src/keyspace/evict.js'
import { prng } from '../src/util/prng.js'
import type { Value } from '../src/types/value.js'

let t: TestServer
let c: RawClient
withServer((server, client) => {
  t = server
  c = client
})

/** The dataset and table bytes of every db measured afresh, key by key and array by array. */
function measuredAfresh(): { dataset: number; tables: number } {
  let dataset = 0
  let tables = 0
  for (const db of t.srv.keyspace.dbs) {
    const d = db.dict
    expect(d.totals).toBe(t.srv.keyspace.memory)
    let sum = 0
    for (const slot of d.slots()) sum += keyBytes(d.keys[slot] as string, d.vals[slot] as Value)
    expect(d.memTotal, `db ${db.id}`).toBe(sum)
    expect(d.overheadBytes(), `db ${db.id}`).toBe(d.computedOverhead())
    dataset += sum
    tables += d.overheadBytes()
  }
  return { dataset, tables }
}

/** MEMORY STATS as a name → value map. */
async function memoryStats(): Promise<Map<string, unknown>> {
  const r = (await c.call('MEMORY', 'STATS')) as unknown[]
  const m = new Map<string, unknown>()
  for (let i = 0; i < r.length; i += 2) m.set(r[i] as string, r[i + 1])
  return m
}

/** The running totals equal the sums measured afresh, and MEMORY STATS reports them. */
async function expectExact(): Promise<void> {
  const stats = await memoryStats()
  // No command ran since MEMORY STATS settled the writes: what it saw is what the tables hold.
  const fresh = measuredAfresh()
  const totals = t.srv.keyspace.memory
  expect(totals.pending.every((d) => d.touchedCount === 0 && !d.touchedAll)).toBe(true)
  expect(totals.dataset).toBe(fresh.dataset)
  expect(totals.tables).toBe(fresh.tables)
  expect(stats.get('dataset.bytes')).toBe(fresh.dataset)
  const overhead = stats.get('overhead.total') as number
  const startup = stats.get('startup.allocated') as number
  const clients = stats.get('clients.normal') as number
  expect(overhead - startup - clients).toBe(fresh.tables)
  expect(stats.get('total.allocated')).toBe(overhead + fresh.dataset)
}

describe('running memory totals', () => {
  it('start equal to the empty tables', async () => {
    await expectExact()
  })

  it('follow every type, TTLs, deletions and moves across dbs', async () => {
    for (const db of ['0', '1', '2', '3']) {
      await c.call('SELECT', db)
      await c.call('SET', `s:${db}`, 'x'.repeat(50))
      await c.call('SET', `n:${db}`, '12345')
      await c.call('APPEND', `s:${db}`, 'y'.repeat(100))
      await c.call('SETRANGE', `r:${db}`, '200', 'z')
      await c.call('INCRBY', `n:${db}`, '1000000')
      await c.call('HSET', `h:${db}`, 'a', '1', 'b', '2')
      await c.call('HSET', `h:${db}`, 'big', 'v'.repeat(200)) // listpack → hashtable
      await c.call('RPUSH', `l:${db}`, ...Array.from({ length: 200 }, (_, i) => `e${i}`))
      await c.call('LPOP', `l:${db}`, '50')
      await c.call('SADD', `set:${db}`, '1', '2', '3')
      await c.call('SADD', `set:${db}`, 'text') // intset → listpack
      await c.call('ZADD', `z:${db}`, '1', 'a', '2', 'b', '3', 'c')
      await c.call('XADD', `x:${db}`, '*', 'f', 'v')
      await c.call('EXPIRE', `s:${db}`, '1000')
      await c.call('PEXPIRE', `h:${db}`, '100000')
      await c.call('PERSIST', `h:${db}`)
    }
    await expectExact()
    await c.call('SELECT', '0')
    await c.call('DEL', 'n:0', 'l:0')
    await c.call('UNLINK', 'set:0')
    await c.call('RENAME', 'z:0', 'z:renamed')
    await c.call('MOVE', 'x:0', '5')
    await c.call('COPY', 'h:0', 'h:copy', 'DB', '6')
    await c.call('HDEL', 'h:0', 'big')
    await c.call('SREM', 'set:1', 'text')
    await expectExact()
  })

  it('stay put through SWAPDB and follow FLUSHDB, FLUSHALL and MULTI', async () => {
    const before = { ...t.srv.keyspace.memory }
    await c.call('SWAPDB', '0', '1')
    await c.call('SWAPDB', '2', '6')
    expect(t.srv.keyspace.memory.dataset).toBe(before.dataset)
    await expectExact()
    await c.call('SELECT', '2')
    await c.call('FLUSHDB')
    await c.call('SELECT', '3')
    await c.call('FLUSHDB', 'ASYNC')
    await expectExact()
    await c.call('MULTI')
    await c.call('SET', 'm1', 'v'.repeat(300))
    await c.call('SELECT', '4')
    await c.call('RPUSH', 'm2', 'a', 'b')
    await c.call('DEL', 'm1')
    await c.call('EXEC')
    await c.call('SELECT', '0')
    await expectExact()
    await c.call('FLUSHALL', 'ASYNC')
    expect(t.srv.keyspace.memory.dataset).toBe(0)
    await expectExact()
  })

  it('take in the tables a reload builds, beyond the writes remembered one by one', async () => {
    // More keys than the tables remember as single writes: the reload's tables are measured whole.
    const cmds: string[][] = []
    for (let i = 0; i < 70_000; i++) cmds.push(['SET', `bulk:${i}`, String(i % 3 === 0 ? i : `v${i}`)])
    for (let i = 0; i < cmds.length; i += 1000) await Promise.all(cmds.slice(i, i + 1000).map((a) => c.call(...a)))
    await c.call('SELECT', '9')
    await c.call('HSET', 'h9', 'f', 'v')
    await c.call('SELECT', '0')
    await expectExact()
    // Saving and loading 70,000 keys may take longer than a reply's usual 5 s on a loaded machine.
    c.writeRaw('DEBUG RELOAD\r\n')
    expect(await c.next(25_000)).toBe('OK')
    expect(t.srv.keyspace.dbs[0].size).toBe(70_000)
    await expectExact()
    await c.call('FLUSHALL')
    await expectExact()
  })

  it('follow lazy and active expiry', async () => {
    for (let i = 0; i < 50; i++) await c.call('SET', `e:${i}`, 'v'.repeat(i), 'PX', '1')
    await c.call('SET', 'keep', 'v')
    await new Promise((r) => setTimeout(r, 20))
    for (let i = 0; i < 10; i++) expect(await c.call('GET', `e:${i}`)).toBe(null)
    // The active expire cycle (cron) takes the rest.
    for (let i = 0; i < 100 && t.srv.keyspace.dbs[0].size > 1; i++) await new Promise((r) => setTimeout(r, 10))
    expect(t.srv.keyspace.dbs[0].size).toBe(1)
    await expectExact()
  })

  it('follow a random mix of writes over many dbs, and eviction down to maxmemory', async () => {
    const rand = prng(6)
    const pick = (n: number): number => Math.floor(rand() * n)
    const ops: ((k: string) => string[])[] = [
      (k) => ['SET', k, 'v'.repeat(pick(300))],
      (k) => ['APPEND', k, 'a'.repeat(pick(50))],
      (k) => ['HSET', `h${k}`, `f${pick(200)}`, 'v'.repeat(pick(100))],
      (k) => ['RPUSH', `l${k}`, 'x'.repeat(pick(80)), String(pick(1000))],
      (k) => ['SADD', `s${k}`, String(pick(1000)), `m${pick(100)}`],
      (k) => ['ZADD', `z${k}`, String(pick(100)), `m${pick(300)}`],
      (k) => ['DEL', k, `h${k}`],
      (k) => ['EXPIRE', k, '10000'],
      (k) => ['PERSIST', k],
      (k) => ['RENAME', k, `${k}r`],
      (k) => ['INCR', `n${k}`],
      (k) => ['LPOP', `l${k}`],
      (k) => ['SPOP', `s${k}`],
    ]
    for (let i = 0; i < 4000; i++) {
      if (i % 7 === 0) await c.call('SELECT', String(pick(16)))
      // Replies may be errors (RENAME of a missing key, INCR of a text): the totals must hold anyway.
      await c.call(...ops[pick(ops.length)](`k${pick(400)}`))
      if (i % 500 === 499) await expectExact()
    }
    await c.call('SELECT', '0')
    const used = evictorOf(t.srv).memory().total
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru')
    await c.call('CONFIG', 'SET', 'maxmemory', String(used - 20_000))
    for (let i = 0; i < 2000; i++) await c.call('SET', `new:${i}`, 'w'.repeat(100))
    expect(t.srv.stats.evictedKeys).toBeGreaterThan(100)
    await expectExact()
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl')
    for (let i = 0; i < 500; i++) await c.call('SET', `ttl:${i}`, 'w'.repeat(100), 'EX', String(1000 + i))
    await expectExact()
    await c.call('CONFIG', 'SET', 'maxmemory', '0')
  })
})
