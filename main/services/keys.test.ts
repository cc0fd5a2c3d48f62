// The key service against real redis-server: SCAN streaming with progress and cancel, paged reads
// of every type, element edits, TTL, rename, bulk delete in UNLINK batches, live notifications.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireProgram, startRealRedis, type RealRedis } from '../../engine/test/helpers.js'
import type { Events } from '../api/contract.js'
import { ProfileStore } from '../db/profiles.js'
import { openStore, type Sqlite } from '../db/store.js'
import { Connections } from './connections.js'
import { KeyService } from './keys.js'
import { SecretStore, fileCipher } from './secrets.js'

const hasRedis = requireProgram('redis-server')
type Emitted = { event: keyof Events; payload: Events[keyof Events] }

async function until<T>(f: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = f()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe.skipIf(!hasRedis)('key service against redis-server', () => {
  let redis: RealRedis
  let dir: string
  let db: Sqlite
  let conns: Connections
  let keys: KeyService
  let raw: Redis
  let conn: string
  const events: Emitted[] = []

  beforeAll(async () => {
    redis = await startRealRedis(['--notify-keyspace-events', 'KA'])
    dir = mkdtempSync(join(tmpdir(), 'strata-keys-'))
    db = openStore(join(dir, 'console.sqlite'))
    conns = new Connections(new ProfileStore(db), new SecretStore(db, fileCipher(dir)), { port: () => null })
    keys = new KeyService(conns, (event, payload) => events.push({ event, payload }))
    conn = conns.save({
      name: 'r',
      host: '127.0.0.1',
      port: redis.port,
      db: 0,
      separator: ':',
      tls: { enabled: false, rejectUnauthorized: true },
    }).id
    raw = new Redis({ port: redis.port, protocol: 2 })
  })

  afterAll(async () => {
    keys?.stopAll()
    raw?.disconnect()
    conns?.closeAll()
    db?.close()
    await redis?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const batches = (id: string) =>
    events
      .filter((e) => e.event === 'keys.scanBatch' && (e.payload as Events['keys.scanBatch']).scanId === id)
      .map((e) => e.payload as Events['keys.scanBatch'])

  it('streams every key exactly as SCAN finds them, with progress up to DBSIZE', async () => {
    const args: string[] = []
    for (let i = 0; i < 20_000; i++) args.push(`k:${i % 7}:${i}`, 'v')
    await raw.mset(...args)
    await raw.hset('h', 'a', '1')
    const { scanId, total } = await keys.scanStart({ conn, db: 0, pattern: '*' })
    expect(total).toBe(20_001)
    const done = await until(() => batches(scanId).find((b) => b.done))
    const all = new Set(batches(scanId).flatMap((b) => b.keys))
    expect(all.size).toBe(20_001)
    expect(done.scanned).toBe(20_001)
    const progress = batches(scanId).map((b) => b.scanned)
    // The first keys go out at once (before the scan ends), the rest at most every 50 ms.
    expect(progress.length).toBeGreaterThanOrEqual(2)
    expect(progress[0]).toBeLessThan(20_001)
    expect([...progress].sort((a, b) => a - b)).toEqual(progress)
  })

  it('filters by pattern and type, and stops when cancelled', async () => {
    const typed = await keys.scanStart({ conn, db: 0, pattern: '*', type: 'hash' })
    await until(() => batches(typed.scanId).find((b) => b.done))
    expect(batches(typed.scanId).flatMap((b) => b.keys)).toEqual(['h'])
    const c = await keys.scanStart({ conn, db: 0, pattern: 'k:3:*', count: 10 })
    expect(keys.cancel(c.scanId)).toBe(true)
    const last = await until(() => batches(c.scanId).find((b) => b.done))
    expect(last.error).toBe('cancelled')
  })

  it('pages every type and edits elements', async () => {
    await raw.rpush('l', 'a', 'b', 'c', 'd')
    await raw.sadd('s', 'x', 'y')
    await raw.zadd('z', 2, 'two', 1, 'one', 3, 'three')
    const ref = (key: string) => ({ conn, db: 0, key })
    const list = await keys.items({ ...ref('l'), cursor: '0', count: 3 })
    expect(list).toEqual({
      items: [
        { field: '0', value: 'a' },
        { field: '1', value: 'b' },
        { field: '2', value: 'c' },
      ],
      cursor: '3',
      total: 4,
    })
    expect((await keys.items({ ...ref('l'), cursor: '3', count: 3 })).cursor).toBe('0')
    const z = await keys.items({ ...ref('z'), cursor: '0', count: 2 })
    expect(z.items).toEqual([
      { field: 'one', score: 1 },
      { field: 'two', score: 2 },
    ])
    expect((await keys.items({ ...ref('s'), cursor: '0', count: 10 })).items.map((i) => i.field).sort()).toEqual([
      'x',
      'y',
    ])
    expect((await keys.items({ ...ref('h'), cursor: '0', count: 10 })).items).toEqual([{ field: 'a', value: '1' }])

    await keys.edit({ ...ref('l'), edit: { op: 'lremAt', index: 1 } })
    expect(await raw.lrange('l', 0, -1)).toEqual(['a', 'c', 'd'])
    await keys.edit({ ...ref('h'), edit: { op: 'hset', field: 'a', value: '2' } })
    await keys.edit({ ...ref('z'), edit: { op: 'zadd', member: 'one', score: 9 } })
    expect(await raw.zscore('z', 'one')).toBe('9')
    const info = await keys.edit({ ...ref('s'), edit: { op: 'srem', member: 'x' } })
    expect(info).toMatchObject({ type: 'set', length: 1, encoding: 'hashtable' })
    expect(info.memory).toBeGreaterThan(0)
  })

  it('reads large strings in chunks and keeps the TTL when a string is edited', async () => {
    await raw.set('big', Buffer.alloc(100_000, 0xab))
    const chunk = await keys.string({ conn, db: 0, key: 'big', offset: 65_536, limit: 65_536 })
    expect(chunk.total).toBe(100_000)
    expect(Buffer.from(chunk.base64, 'base64')).toEqual(Buffer.alloc(100_000 - 65_536, 0xab))
    await keys.ttl({ conn, db: 0, key: 'big', ttlMs: 50_000 })
    await keys.edit({ conn, db: 0, key: 'big', edit: { op: 'set', value: 'small' } })
    expect(await raw.get('big')).toBe('small')
    expect(await raw.pttl('big')).toBeGreaterThan(40_000)
    await expect(keys.rename({ conn, db: 0, key: 'big', newKey: 'h', overwrite: false })).rejects.toThrow(
      'Key h already exists',
    )
    expect((await keys.rename({ conn, db: 0, key: 'big', newKey: 'small', overwrite: false })).key).toBe('small')
  })

  it('bulk deletes the filtered set in batches with progress', async () => {
    const jobId = await keys.bulkDelete({ conn, db: 0, pattern: 'k:[0-2]:*' })
    const prog = () =>
      events
        .filter((e) => e.event === 'keys.bulkProgress')
        .map((e) => e.payload as Events['keys.bulkProgress'])
        .filter((p) => p.jobId === jobId)
    const done = await until(() => prog().find((p) => p.done))
    const expected = Array.from({ length: 20_000 }, (_, i) => i).filter((i) => i % 7 <= 2).length
    expect(done.deleted).toBe(expected)
    expect(prog().length).toBeGreaterThan(2)
    expect(await raw.exists('k:0:0', 'k:3:3')).toBe(1)
  })

  it('follows keyspace notifications in batches', async () => {
    expect(await keys.watch(conn, 0)).toEqual({ live: true })
    await raw.set('live:1', 'x')
    await raw.del('live:1')
    const got = await until(() => {
      const e = events
        .filter((x) => x.event === 'keys.changed')
        .flatMap((x) => (x.payload as Events['keys.changed']).changes)
      return e.length >= 2 ? e : undefined
    })
    expect(got).toEqual([
      { key: 'live:1', event: 'set' },
      { key: 'live:1', event: 'del' },
    ])
    await raw.config('SET', 'notify-keyspace-events', '')
    expect((await keys.watch(conn, 0)).live).toBe(false)
  })
})
