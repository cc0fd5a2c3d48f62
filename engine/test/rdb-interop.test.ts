// Interoperability with the real redis-server 7.0: its dump.rdb (every type, compact and large
// encodings at and across the thresholds, LZF strings, TTLs, several dbs) loads into Strata
// identically; Strata's SAVE of the same data passes redis-check-rdb and loads into Redis with
// equal keys, values and TTLs; DUMP payloads cross both ways; `redis-cli --rdb` fetches a valid
// file from Strata over SYNC.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { RawClient, requireProgram, startRealRedis, type RealRedis } from './helpers.js'
import { startPersistent, tempDir, type PersistentServer } from './rdb-helpers.js'
import type { Server } from '../src/server/server.js'
import type { Value } from '../src/types/value.js'
import { SetValue } from '../src/types/set.js'
import { ZSetValue } from '../src/types/zset.js'
import { HashValue } from '../src/types/hash.js'
import { ListValue } from '../src/types/list.js'
import { parseRdbBuffer } from '../src/persistence/rdb/reader.js'

/** Runs a program without blocking the event loop (the engine under test runs in this process). */
function runProgram(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args)
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    p.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

const HAVE = requireProgram('redis-server') && requireProgram('redis-check-rdb') && requireProgram('redis-cli')
const DBS = [0, 1, 5, 15]

/** Commands that build the test dataset in db `db` (the same on both servers). */
function datasetCommands(db: number): string[][] {
  const cmds: string[][] = [['SELECT', String(db)]]
  const p = `d${db}:`
  const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i))
  cmds.push(
    ['SET', p + 'int', '12345'],
    ['SET', p + 'neg', '-7'],
    ['SET', p + 'bigint', '9007199254740993'],
    ['SET', p + 'int64', '-9223372036854775808'],
    ['SET', p + 'lead0', '007'],
    ['SET', p + 'emb44', 'e'.repeat(44)],
    ['SET', p + 'raw45', 'r'.repeat(45)],
    ['SET', p + 'lzf', 'compress me '.repeat(400)],
    ['SET', p + 'bin', '\x00\x01\xff\xfe\r\n binary'],
    ['SET', p + 'empty', ''],
    ['SET', p + 'ttl', 'v', 'PX', '3600000'],
  )
  cmds.push(['RPUSH', p + 'list:small', 'a', 'b', '1', '2', '-100', '65536', 'x'.repeat(70)])
  cmds.push(['RPUSH', p + 'list:big', ...range(3000, (i) => (i % 3 ? `item-${i}` : String(i * 1000)))])
  cmds.push(['RPUSH', p + 'list:huge-elem', 'h'.repeat(20000), 'tail'])
  cmds.push(['HSET', p + 'hash:lp', ...range(512, (i) => [`f${i}`, `v${i}`]).flat()])
  cmds.push(['HSET', p + 'hash:ht', ...range(513, (i) => [`f${i}`, String(i)]).flat()])
  cmds.push(['HSET', p + 'hash:longval', 'a', '1', 'b', 'v'.repeat(65)])
  cmds.push(['HSET', p + 'hash:64', 'a', 'v'.repeat(64)])
  cmds.push(['SADD', p + 'set:intset', ...range(512, (i) => String(i * 7 - 1000))])
  cmds.push(['SADD', p + 'set:int64', '1', '-9223372036854775808', '9223372036854775807'])
  cmds.push(['SADD', p + 'set:bigints', ...range(513, (i) => String(i))])
  cmds.push(['SADD', p + 'set:strs', 'a', 'b', 'c', '1'])
  cmds.push(['ZADD', p + 'zset:lp', ...range(128, (i) => [String(i / 10), `m${i}`]).flat()])
  cmds.push(['ZADD', p + 'zset:sl', ...range(129, (i) => [String(i * 3), `m${i}`]).flat()])
  cmds.push(['ZADD', p + 'zset:special', 'inf', 'pinf', '-inf', 'ninf', '0.1', 'tenth', '-0', 'mzero', '1e300', 'big'])
  cmds.push(['ZADD', p + 'zset:long', '1', 'm'.repeat(65)])
  cmds.push(['ZADD', p + 'zset:64', '1', 'm'.repeat(64), '2', 'x'])
  cmds.push(['EXPIRE', p + 'hash:lp', '7200'], ['PEXPIRE', p + 'zset:sl', '999999'])
  return cmds
}

async function run(c: RawClient, cmds: string[][]): Promise<void> {
  for (const cmd of cmds) {
    const r = await c.call(...cmd)
    if (r instanceof Error || (r && typeof r === 'object' && 'message' in r)) throw new Error(`${cmd[0]}: ${String(r)}`)
  }
}

type Canon = Map<string, string>

/** Every key of every db as "db|key" → type, value (order-insensitive where Redis is) and TTL bucket. */
async function canonFromServer(c: RawClient): Promise<Canon> {
  const out: Canon = new Map()
  for (let db = 0; db < 16; db++) {
    await c.call('SELECT', String(db))
    const keys = (await c.call('KEYS', '*')) as string[]
    for (const k of keys) {
      const type = (await c.call('TYPE', k)) as string
      let v: unknown
      if (type === 'string') v = await c.call('GET', k)
      else if (type === 'list') v = await c.call('LRANGE', k, '0', '-1')
      else if (type === 'set') v = ((await c.call('SMEMBERS', k)) as string[]).sort()
      else if (type === 'hash') v = pairsSorted((await c.call('HGETALL', k)) as string[])
      else if (type === 'zset') {
        const r = (await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES')) as string[]
        v = r.map((x, i) => (i % 2 ? String(Number(x.replace(/^(-?)inf$/, '$1Infinity'))) : x))
      }
      const pttl = (await c.call('PTTL', k)) as number
      out.set(`${db}|${k}`, JSON.stringify([type, v, ttlBucket(pttl)]))
    }
  }
  await c.call('SELECT', '0')
  return out
}

/** The same canonical form read straight from the engine's values. */
function canonFromEngine(srv: Server): Canon {
  const out: Canon = new Map()
  const now = Date.now()
  for (const db of srv.keyspace.dbs) {
    const d = db.dict
    for (let s = 0; s < d.slotEnd; s++) {
      const k = d.keys[s]
      if (k === undefined) continue
      const [type, v] = engineValue(d.vals[s] as Value)
      const exp = d.expires[s]
      out.set(`${db.id}|${k}`, JSON.stringify([type, v, ttlBucket(exp === 0 ? -1 : exp - now)]))
    }
  }
  return out
}

function engineValue(v: Value): [string, unknown] {
  if (typeof v !== 'object') return ['string', String(v)]
  if (v instanceof SetValue) return ['set', [...v.members()].sort()]
  if (v instanceof HashValue) return ['hash', pairsSorted([...v.entries()].flat())]
  if (v instanceof ListValue) return ['list', v.ql.toArray()]
  if (v instanceof ZSetValue) return ['zset', [...v.entries()].flatMap(([m, s]) => [m, String(s)])]
  throw new Error('unknown value')
}

function pairsSorted(flat: string[]): string[][] {
  const pairs: string[][] = []
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]])
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

/** TTLs compared to the minute: a load takes a moment, and -1 means none. */
function ttlBucket(ms: number): number {
  return ms < 0 ? -1 : Math.round(ms / 60_000)
}

function encodings(srv: Server): Map<string, string> {
  const out = new Map<string, string>()
  for (const db of srv.keyspace.dbs) {
    const d = db.dict
    for (let s = 0; s < d.slotEnd; s++) {
      const k = d.keys[s]
      const v = d.vals[s]
      if (k === undefined || typeof v !== 'object') continue
      out.set(`${db.id}|${k}`, (v as Exclude<Value, string | number>).encoding())
    }
  }
  return out
}

async function encodingsFromServer(c: RawClient, keys: Iterable<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const id of keys) {
    const [db, k] = [id.slice(0, id.indexOf('|')), id.slice(id.indexOf('|') + 1)]
    await c.call('SELECT', db)
    out.set(id, (await c.call('OBJECT', 'ENCODING', k)) as string)
  }
  return out
}

describe.skipIf(!HAVE)('RDB interop with redis-server 7.0', () => {
  let redis: RealRedis
  let rc: RawClient
  let fromRedis: Canon
  let strata: PersistentServer
  const scratch: string[] = []

  beforeAll(async () => {
    redis = await startRealRedis()
    rc = await RawClient.connect(redis.port)
    for (const db of DBS) await run(rc, datasetCommands(db))
    expect(await rc.call('SAVE')).toBe('OK')
    fromRedis = await canonFromServer(rc)
    // Strata starts on a copy of Redis's dump.rdb.
    const dir = tempDir()
    scratch.push(dir)
    copyFileSync(join(redis.dir, 'dump.rdb'), join(dir, 'dump.rdb'))
    strata = await startPersistent([], dir)
  }, 60_000)

  afterAll(async () => {
    rc?.close()
    await redis?.close()
    await strata?.close()
    for (const d of scratch) rmSync(d, { recursive: true, force: true })
  })

  it("loads Redis's dump.rdb with every key, value, TTL and encoding equal", async () => {
    const got = canonFromEngine(strata.srv)
    expect(got.size).toBe(fromRedis.size)
    for (const [k, v] of fromRedis) expect(got.get(k), k).toBe(v)
    const enc = encodings(strata.srv)
    const redisEnc = await encodingsFromServer(rc, enc.keys())
    for (const [k, e] of enc) expect(e, k).toBe(redisEnc.get(k))
  })

  it('writes a file redis-check-rdb accepts and Redis loads identically', async () => {
    const c = await RawClient.connect(strata.port)
    expect(await c.call('SAVE')).toBe('OK')
    c.close()
    const file = join(strata.dir, 'dump.rdb')
    const check = await runProgram('redis-check-rdb', [file])
    expect(check.stdout).toContain('RDB looks OK')
    expect(check.status).toBe(0)
    const dir2 = mkdtempSync(join(tmpdir(), 'strata-to-redis-'))
    scratch.push(dir2)
    copyFileSync(file, join(dir2, 'dump.rdb'))
    const redis2 = await startRealRedis(['--dir', dir2])
    try {
      const c2 = await RawClient.connect(redis2.port)
      const loaded = await canonFromServer(c2)
      expect(loaded.size).toBe(fromRedis.size)
      for (const [k, v] of fromRedis) expect(loaded.get(k), k).toBe(v)
      const enc = encodings(strata.srv)
      const redisEnc = await encodingsFromServer(c2, enc.keys())
      for (const [k, e] of enc) expect(redisEnc.get(k), k).toBe(e)
      c2.close()
    } finally {
      await redis2.close()
    }
  }, 60_000)

  it('moves DUMP payloads both ways', async () => {
    const c = await RawClient.connect(strata.port)
    await rc.call('SELECT', '1')
    await c.call('SELECT', '2')
    const keys = (await rc.call('KEYS', '*')) as string[]
    for (const k of keys) {
      const payload = (await rc.call('DUMP', k)) as string
      expect(await c.call('RESTORE', 'r:' + k, '0', payload), k).toBe('OK')
      const back = (await c.call('DUMP', 'r:' + k)) as string
      expect(await rc.call('RESTORE', 'back:' + k, '0', back, 'REPLACE'), k).toBe('OK')
    }
    // Every value survived the round trip through Strata unchanged.
    const all = await canonFromServer(rc)
    for (const k of keys) {
      const orig = JSON.parse(all.get(`1|${k}`) as string)
      const back = JSON.parse(all.get(`1|back:${k}`) as string)
      expect([back[0], back[1]], k).toEqual([orig[0], orig[1]])
    }
    // Redis's own payload for a string matches ours byte for byte.
    await c.call('SET', 'same', 'bar')
    await rc.call('SET', 'same', 'bar')
    expect(await c.call('DUMP', 'same')).toBe(await rc.call('DUMP', 'same'))
    await rc.call('DEL', 'same', ...keys.map((k) => 'back:' + k))
    await rc.call('SELECT', '0')
    c.close()
  }, 60_000)

  it('RESTORE errors and options match Redis', async () => {
    const c = await RawClient.connect(strata.port)
    const payload = (await rc.call('DUMP', 'd0:int')) as string
    const cases: (string | number)[][] = [
      ['RESTORE', 'x1', '0', payload],
      ['RESTORE', 'x1', '0', payload],
      ['RESTORE', 'x1', '-1', payload, 'REPLACE'],
      ['RESTORE', 'x1', 'abc', payload, 'REPLACE'],
      ['RESTORE', 'x2', '0', payload.slice(0, -1) + '\x00'],
      ['RESTORE', 'x2', '0', 'short'],
      ['RESTORE', 'x2', '0', payload, 'IDLETIME', '10', 'FREQ', '5'],
      ['RESTORE', 'x2', '0', payload, 'FREQ', '300'],
      ['RESTORE', 'x2', '0', payload, 'IDLETIME', '-1'],
      ['RESTORE', 'x2', '0', payload, 'BOGUS'],
      ['RESTORE', 'x3', String(Date.now() - 1000), payload, 'ABSTTL'],
      ['EXISTS', 'x3'],
      ['RESTORE', 'x4', String(Date.now() + 100_000), payload, 'ABSTTL'],
      ['RESTORE', 'x1', '5000', payload, 'REPLACE', 'IDLETIME', '100'],
    ]
    await rc.call('SELECT', '9')
    await c.call('SELECT', '9')
    for (const cmd of cases) {
      const want = await rc.call(...cmd)
      const got = await c.call(...cmd)
      expect(String(got), cmd.slice(0, 2).join(' ')).toBe(String(want))
    }
    expect(await c.call('PTTL', 'x4')).toBeGreaterThan(90_000)
    await rc.call('FLUSHDB')
    await rc.call('SELECT', '0')
    c.close()
  })

  it('serves redis-cli --rdb a valid point-in-time file over SYNC', async () => {
    const out = join(strata.dir, 'fetched.rdb')
    const r = await runProgram('redis-cli', ['-p', String(strata.port), '--rdb', out])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toContain('Transfer finished with success')
    const check = await runProgram('redis-check-rdb', [out])
    expect(check.stdout).toContain('RDB looks OK')
    const { events } = parseRdbBuffer(readFileSync(out))
    expect(events.filter((e) => e.kind === 'key').length).toBe(strata.srv.keyspace.totalKeys())
  }, 60_000)

  it('answers PSYNC with +FULLRESYNC and an RDB bulk', async () => {
    const c = await RawClient.connect(strata.port)
    c.writeRaw('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n')
    const chunks: Buffer[] = []
    await new Promise<void>((resolve) => {
      c.socket.removeAllListeners('data')
      c.socket.on('data', (d: Buffer) => {
        chunks.push(d)
        const all = Buffer.concat(chunks).toString('latin1')
        const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)\r\n\$(\d+)\r\n/.exec(all)
        if (m && all.length >= m[0].length + Number(m[3])) resolve()
      })
    })
    const all = Buffer.concat(chunks)
    const text = all.toString('latin1')
    const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)\r\n\$(\d+)\r\n/.exec(text) as RegExpExecArray
    const rdb = all.subarray(m[0].length, m[0].length + Number(m[3]))
    const { events } = parseRdbBuffer(rdb)
    expect(events.filter((e) => e.kind === 'key').length).toBe(strata.srv.keyspace.totalKeys())
    c.close()
  }, 60_000)
})
