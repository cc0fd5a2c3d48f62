// Test fixtures for the backup room: an s3rver on loopback, datasets of every type with TTLs in
// two dbs, and a whole-dataset snapshot (type, value, TTL) to compare servers exactly.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import S3rver from 's3rver'
import { freePort } from '../../../engine/test/helpers.js'
import { readSample } from './replay.js'

export interface S3Server {
  endpoint: string
  close(): Promise<void>
}

export async function startS3(bucket = 'backups'): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 's3rver-'))
  const port = await freePort()
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory: dir,
    resetOnClose: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  })
  await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Strings (binary too), hashes, lists, sets, zsets, TTLs, in db 0 and db 3. */
export async function fill(c: Redis, tag: string, n = 200): Promise<void> {
  const p = c.pipeline()
  p.select(0)
  for (let i = 0; i < n; i++) p.set(`${tag}:s:${i}`, `v${i}-${tag}`)
  p.set(Buffer.from(`${tag}:bin`), Buffer.from([0, 255, 1, 128, 10, 13]))
  p.set(`${tag}:ttl`, 'expiring', 'PX', 3_600_000)
  p.hset(`${tag}:h`, 'a', '1', 'b', 'two', 'c', 'x'.repeat(100))
  p.hset(`${tag}:bigh`, ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat())
  p.rpush(`${tag}:l`, ...Array.from({ length: 50 }, (_, i) => `e${i}`))
  p.sadd(`${tag}:ints`, 1, 2, 3, 42)
  p.sadd(`${tag}:set`, 'a', 'b', 'c')
  p.zadd(`${tag}:z`, 1.5, 'a', -2, 'b', 1e20, 'c')
  p.zadd(`${tag}:bigz`, ...Array.from({ length: 200 }, (_, i) => [i / 3, `m${i}`]).flat())
  p.pexpire(`${tag}:h`, 7_200_000)
  p.select(3)
  p.set(`${tag}:db3`, 'three')
  p.lpush(`${tag}:db3:l`, 'x', 'y')
  p.select(0)
  await p.exec()
}

export interface Snapshot {
  [dbKey: string]: { type: string; value: unknown; expireAt: number }
}

/** Every key of every db with its type, value and absolute expiry (PEXPIRETIME: exact across copies). */
export async function snapshot(c: Redis): Promise<Snapshot> {
  const out: Snapshot = {}
  const info = await c.info('keyspace')
  for (const m of info.matchAll(/^db(\d+):keys=/gm)) {
    const db = Number(m[1])
    await c.select(db)
    let cursor = '0'
    do {
      const [next, keys] = (await c.callBuffer('SCAN', cursor, 'COUNT', 1000)) as [Buffer, Buffer[]]
      cursor = next.toString()
      for (const k of keys) {
        const key = k.toString('latin1')
        const s = await readSample(c, key)
        const expireAt = Number(await c.call('PEXPIRETIME', k))
        out[`${db}/${key}`] = { type: s.type, value: s.value, expireAt }
      }
    } while (cursor !== '0')
  }
  await c.select(0)
  return out
}
