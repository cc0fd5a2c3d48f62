// Point-in-time consistency of the fork-less BGSAVE: while the snapshot walks ≥ 500k keys,
// concurrent clients overwrite, delete, expire, rename, move and append strings, change and empty
// hashes, lists, sets and zsets in place, and FLUSHDB/SWAPDB
// replace whole dbs; the file must hold exactly the dataset of the moment BGSAVE started, which a
// synchronous SAVE taken in the same tick records as the reference.

import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { RawClient, encodeCommand, requireProgram } from './helpers.js'
import { startPersistent, waitBgsave, type PersistentServer } from './rdb-helpers.js'
import { saveSync, startBgsave } from '../src/persistence/save.js'
import { FileSource, RdbParser, type RdbValue } from '../src/persistence/rdb/reader.js'
import { storeString } from '../src/types/string.js'
import { SetValue } from '../src/types/set.js'
import { HashValue } from '../src/types/hash.js'
import { ListValue } from '../src/types/list.js'
import { ZSetValue } from '../src/types/zset.js'
import type { Server } from '../src/server/server.js'

const KEYS = 500_000

/** Every key of an RDB file as "db|key" → its value and TTL; fails on a duplicate key. */
function readDataset(path: string): Map<string, string> {
  const src = new FileSource(path)
  const p = new RdbParser(src)
  const out = new Map<string, string>()
  try {
    p.header()
    for (;;) {
      const ev = p.next()
      if (ev.kind === 'eof') {
        expect(ev.checksum).toBe('ok')
        break
      }
      if (ev.kind !== 'key') continue
      const id = `${ev.db}|${ev.key}`
      if (out.has(id)) throw new Error(`key written twice: ${id}`)
      const v = ev.value
      const repr = canonical(v)
      out.set(id, `${v.type}:${ev.expireAt}:${repr}`)
    }
  } finally {
    src.close()
  }
  return out
}

/** A value in a form that does not depend on the encoding it was saved with. */
function canonical(v: RdbValue): string {
  switch (v.type) {
    case 'string':
      return v.value
    case 'set':
      return JSON.stringify([...v.members].sort())
    case 'list':
      return JSON.stringify(v.nodes.flat())
    case 'hash': {
      const pairs: string[] = []
      for (let i = 0; i < v.pairs.length; i += 2) pairs.push(v.pairs[i] + '=' + v.pairs[i + 1])
      return JSON.stringify(pairs.sort())
    }
    case 'zset':
      return JSON.stringify(v.members.map((m, i) => m + '=' + v.scores[i]).sort())
  }
}

function populate(srv: Server): void {
  const now = Date.now()
  for (const dbi of [0, 1, 2]) {
    const db = srv.keyspace.dbs[dbi]
    const n = dbi === 0 ? KEYS : 20_000
    for (let i = 0; i < n; i++) {
      const slot = db.set(`key:${i}`, storeString(i % 3 === 0 ? String(i) : `value-${i}-${'x'.repeat(i % 50)}`))
      // Some keys expire while the snapshot runs, some much later.
      if (i % 97 === 0) db.setExpire(slot, now + 150 + (i % 500))
      else if (i % 89 === 0) db.setExpire(slot, now + 3_600_000)
    }
    const limits = { maxEntries: 128, maxValue: 64 }
    for (let i = 0; i < 300; i++) {
      const n = i % 2 ? 20 : 700
      const h = HashValue.fromPairs(Array.from({ length: n }, (_, k) => [`f${k}`, `v${k}`]).flat(), {
        maxEntries: 512,
        maxValue: 64,
      })
      db.set(`hash:${i}`, h)
      const l = ListValue.create(-2)
      for (let k = 0; k < n; k++) l.ql.pushTail(`e${k}`)
      db.set(`list:${i}`, l)
      db.set(
        `zset:${i}`,
        ZSetValue.fromEntries(
          Array.from({ length: n / 5 }, (_, k) => [`m${k}`, k / 3]),
          limits,
        ) as ZSetValue,
      )
    }
    for (let i = 0; i < 500; i++) {
      const s = SetValue.fromMembers(
        Array.from({ length: 1 + (i % 40) }, (_, k) => (i % 2 ? String(k) : `m${k}`)),
        512,
      ) as SetValue
      db.set(`set:${i}`, s)
    }
  }
  srv.dirty = 0
}

/** A client that keeps sending batches of random mutations until stop() resolves. */
function hammer(port: number, seed: number) {
  let running = true
  let ops = 0
  const done = (async () => {
    const c = await RawClient.connect(port)
    let i = seed
    while (running) {
      const batch: string[][] = []
      for (let k = 0; k < 50; k++, i++) {
        const r = (i * 2654435761) % KEYS
        const db = String(r % 3 === 0 ? 1 : 0)
        batch.push(['SELECT', db])
        const c300 = r % 300
        switch (i % 15) {
          case 0:
            batch.push(['SET', `key:${r}`, `new-${i}`])
            break
          case 1:
            batch.push(['DEL', `key:${r}`])
            break
          case 2:
            batch.push(['PEXPIRE', `key:${r}`, '1'])
            break
          case 3:
            batch.push(['RENAME', `key:${r}`, `renamed:${i}`])
            break
          case 4:
            batch.push(['APPEND', `key:${r}`, '+tail'])
            break
          case 5:
            batch.push(['SADD', `set:${r % 500}`, `added-${i}`])
            break
          case 6:
            batch.push(['SET', `fresh:${i}`, 'born after the start'])
            break
          case 7:
            batch.push(['MOVE', `key:${r}`, '2'])
            break
          case 8:
            batch.push(['HSET', `hash:${c300}`, `f${i % 900}`, `changed-${i}`])
            break
          case 9:
            batch.push(['HDEL', `hash:${c300}`, 'f1', 'f2', 'f3'])
            break
          case 10:
            batch.push(['LPUSH', `list:${c300}`, `pushed-${i}`])
            break
          case 11:
            // Pops whole small lists away: the key is deleted by its last element going.
            batch.push(['RPOP', `list:${c300}`, '30'])
            break
          case 12:
            batch.push(['ZADD', `zset:${c300}`, String(i), `z${i % 200}`])
            break
          case 13:
            batch.push(['ZREM', `zset:${c300}`, 'm0', 'm1'])
            break
          default:
            batch.push(['SREM', `set:${r % 500}`, 'm1', '1'])
        }
      }
      // Long reply timeouts: the reference SAVE blocks this process's event loop for a while.
      for (const a of batch) c.writeRaw(encodeCommand(a))
      const replies = batch.map(() => c.next(120_000))
      await Promise.all(replies)
      ops += batch.length
    }
    c.close()
  })()
  return {
    async stop(): Promise<number> {
      running = false
      await done
      return ops
    },
  }
}

const open: PersistentServer[] = []
afterEach(async () => {
  for (const s of open.splice(0)) await s.close(true)
})

async function runScenario(mid?: (c: RawClient) => Promise<void>): Promise<void> {
  const s = await startPersistent()
  open.push(s)
  populate(s.srv)
  const c = await RawClient.connect(s.port)
  const writers = [hammer(s.port, 1), hammer(s.port, 7_777), hammer(s.port, 123_456)]
  // Let the writers get going, then take the reference copy and start BGSAVE in the same tick.
  await new Promise((r) => setTimeout(r, 100))
  const ref = join(s.dir, 'reference.rdb')
  saveSync(s.srv, ref)
  expect(startBgsave(s.srv).ok).toBe(true)
  if (mid) await mid(c)
  await waitBgsave(c, 120_000)
  const ops = await Promise.all(writers.map((w) => w.stop()))
  expect(ops.reduce((a, b) => a + b)).toBeGreaterThan(1000)
  const info = String(await c.call('INFO', 'persistence'))
  expect(info).toContain('rdb_last_bgsave_status:ok')
  c.close()
  const expected = readDataset(ref)
  const got = readDataset(join(s.dir, 'dump.rdb'))
  expect(got.size).toBe(expected.size)
  let diff = 0
  for (const [k, v] of expected) if (got.get(k) !== v) diff++
  expect(diff).toBe(0)
  if (requireProgram('redis-check-rdb')) {
    const out = execFileSync('redis-check-rdb', [join(s.dir, 'dump.rdb')], { encoding: 'utf8' })
    expect(out).toContain('RDB looks OK')
  }
}

describe('fork-less BGSAVE snapshot', () => {
  it('saves exactly the dataset of its start under concurrent writes, deletes, expiries, renames and moves', async () => {
    await runScenario()
  }, 180_000)

  it('stays point-in-time when FLUSHDB and SWAPDB replace dbs mid-snapshot', async () => {
    await runScenario(async (c) => {
      await new Promise((r) => setTimeout(r, 30))
      expect(await c.call('SWAPDB', '0', '2')).toBe('OK')
      await c.call('SELECT', '1')
      expect(await c.call('FLUSHDB')).toBe('OK')
      expect(await c.call('SWAPDB', '1', '0')).toBe('OK')
    })
  }, 180_000)
})
