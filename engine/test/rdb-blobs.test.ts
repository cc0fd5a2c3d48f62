// Listpacks adopted as blobs at load (persistence/rdb/adopt.ts): a loaded listpack hash, zset or
// list node stays the bytes it was stored as until an entry is needed. These tests load files
// with such values and check that nothing about them differs from eagerly decoded ones: replies,
// lengths, encodings, memory accounting before and after first use, writes, COPY, a SAVE that
// writes the blobs back (checked by real Redis), and the same refusals of damaged files. Every
// test runs twice: with the blobs adopted as they are read, and sent to the load's worker thread
// (rdb/blob-offload.ts), which large files use.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { RawClient, requireProgram, startRealRedis } from './helpers.js'
import { rdbString, startPersistent, tempDir } from './rdb-helpers.js'
import { RdbLoadError, loadRdbFile, twoThreadLoad } from '../src/persistence/load.js'
import { crc64 } from '../src/persistence/rdb/crc64.js'
import { lpEncode } from '../src/types/listpack.js'
import {
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_ZSET_LISTPACK,
} from '../src/persistence/rdb/constants.js'

const HAVE_REDIS = requireProgram('redis-server') && requireProgram('redis-check-rdb')
const dirs: string[] = []

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** An RDB 10 file of db 0 with these (type, key, payload) records, checksummed. */
function rdbFile(records: [number, string, Buffer][]): Buffer {
  const parts: Buffer[] = [Buffer.from('REDIS0010', 'latin1'), Buffer.from([0xfe, 0])]
  for (const [type, key, payload] of records) parts.push(Buffer.from([type]), rdbString(key), payload)
  parts.push(Buffer.from([0xff]))
  const body = Buffer.concat(parts)
  return Buffer.concat([body, crc64(body).bytes()])
}

/** A listpack blob as a record payload (an RDB string holding the bytes). */
function lp(entries: string[]): Buffer {
  return rdbString(lpEncode(entries))
}

async function withFile(bytes: Buffer): Promise<{ c: RawClient; close: () => Promise<void> }> {
  const dir = tempDir()
  dirs.push(dir)
  writeFileSync(join(dir, 'dump.rdb'), bytes)
  const s = await startPersistent([], dir)
  const c = await RawClient.connect(s.port)
  return {
    c,
    close: async () => {
      c.close()
      await s.close()
    },
  }
}

async function loadError(bytes: Buffer): Promise<string> {
  const dir = tempDir()
  dirs.push(dir)
  writeFileSync(join(dir, 'dump.rdb'), bytes)
  const err = await startPersistent([], dir).then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(RdbLoadError)
  return (err as Error).message
}

function runProgram(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => spawn(cmd, args, { stdio: 'ignore' }).on('close', resolve))
}

/** used_memory_dataset: the keyspace's share, without the client buffers that vary between calls. */
const datasetMemory = async (c: RawClient): Promise<number> =>
  Number(/used_memory_dataset:(\d+)/.exec(String(await c.call('INFO', 'memory')))?.[1])

const DEFAULT_MIN_BYTES = twoThreadLoad.minBytes
const MODES = [
  ['in the loading thread', Infinity],
  ['by the worker thread', 0],
] as const

/** Runs the tests in fn with files of every size loaded in one thread, or on two. */
function inBothModes(title: string, fn: () => void): void {
  describe.each(MODES)(`${title}, decoded %s`, (_mode, minBytes) => {
    beforeAll(() => {
      twoThreadLoad.minBytes = minBytes
    })
    afterAll(() => {
      twoThreadLoad.minBytes = DEFAULT_MIN_BYTES
    })
    fn()
  })
}

inBothModes('listpacks adopted as blobs at load', () => {
  const hashEntries = ['f1', 'v1', 'n', '-5', 'big', '9223372036854775807', 'long', 'l'.repeat(70), '42', 'x']
  const zsetEntries = ['a', '-1', 'b', '0.5', 'c', '2', 'd', '1e3']
  const listNodes = [
    ['x', '1', '-300', 'y'.repeat(5000)],
    ['tail', '65536'],
  ]
  const file = (): Buffer =>
    rdbFile([
      [RDB_TYPE_HASH_LISTPACK, 'h', lp(hashEntries)],
      [RDB_TYPE_ZSET_LISTPACK, 'z', lp(zsetEntries)],
      [
        RDB_TYPE_LIST_QUICKLIST_2,
        'l',
        Buffer.concat([
          Buffer.from([listNodes.length]),
          ...listNodes.map((n) => Buffer.concat([Buffer.from([2]), lp(n)])),
        ]),
      ],
    ])

  it('answers like the decoded values, and accounts the same memory before and after first use', async () => {
    const { c, close } = await withFile(file())
    try {
      expect(await c.call('OBJECT', 'ENCODING', 'h')).toBe('listpack')
      expect(await c.call('OBJECT', 'ENCODING', 'z')).toBe('listpack')
      expect(await c.call('OBJECT', 'ENCODING', 'l')).toBe('quicklist')
      expect(await c.call('HLEN', 'h')).toBe(5)
      expect(await c.call('ZCARD', 'z')).toBe(4)
      expect(await c.call('LLEN', 'l')).toBe(6)
      const before = [
        await c.call('MEMORY', 'USAGE', 'h'),
        await c.call('MEMORY', 'USAGE', 'z'),
        await c.call('MEMORY', 'USAGE', 'l'),
      ]
      const datasetBefore = await datasetMemory(c)
      expect(datasetBefore).toBeGreaterThan(0)
      expect(await c.call('HGETALL', 'h')).toEqual(hashEntries)
      expect(await c.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toEqual([
        'a',
        '-1',
        'b',
        '0.5',
        'c',
        '2',
        'd',
        '1000',
      ])
      expect(await c.call('LRANGE', 'l', '0', '-1')).toEqual(listNodes.flat())
      const after = [
        await c.call('MEMORY', 'USAGE', 'h'),
        await c.call('MEMORY', 'USAGE', 'z'),
        await c.call('MEMORY', 'USAGE', 'l'),
      ]
      expect(after).toEqual(before)
      expect(await datasetMemory(c)).toBe(datasetBefore)
    } finally {
      await close()
    }
  })

  it('takes writes, and a COPY is independent of the loaded original', async () => {
    const { c, close } = await withFile(file())
    try {
      expect(await c.call('COPY', 'h', 'h2')).toBe(1)
      expect(await c.call('COPY', 'z', 'z2')).toBe(1)
      expect(await c.call('COPY', 'l', 'l2')).toBe(1)
      expect(await c.call('HSET', 'h2', 'f1', 'changed', 'new', '1')).toBe(1)
      expect(await c.call('HDEL', 'h2', 'n')).toBe(1)
      expect(await c.call('ZADD', 'z2', '0', 'e')).toBe(1)
      expect(await c.call('ZINCRBY', 'z2', '10', 'a')).toBe('9')
      expect(await c.call('LPUSH', 'l2', 'head')).toBe(7)
      expect(await c.call('LSET', 'l2', '2', 'set')).toBe('OK')
      expect(await c.call('HGET', 'h2', 'f1')).toBe('changed')
      expect(await c.call('HGET', 'h', 'f1')).toBe('v1')
      expect(await c.call('HLEN', 'h2')).toBe(5)
      expect(await c.call('ZRANGE', 'z2', '0', '-1')).toEqual(['e', 'b', 'c', 'a', 'd'])
      expect(await c.call('ZRANGE', 'z', '0', '-1')).toEqual(['a', 'b', 'c', 'd'])
      expect(await c.call('LRANGE', 'l2', '0', '3')).toEqual(['head', 'x', 'set', '-300'])
      expect(await c.call('LRANGE', 'l', '0', '2')).toEqual(['x', '1', '-300'])
    } finally {
      await close()
    }
  })

  it('puts the pairs of a zset listpack stored out of order in order', async () => {
    const { c, close } = await withFile(rdbFile([[RDB_TYPE_ZSET_LISTPACK, 'z', lp(['b', '2', 'a', '1', 'c', '2'])]]))
    try {
      expect(await c.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toEqual(['a', '1', 'b', '2', 'c', '2'])
      expect(await c.call('ZRANK', 'z', 'c')).toBe(2)
    } finally {
      await close()
    }
  })

  it('converts a loaded listpack with more entries than the limit', async () => {
    const dir = tempDir()
    dirs.push(dir)
    writeFileSync(join(dir, 'dump.rdb'), file())
    const s = await startPersistent(['--hash-max-listpack-entries', '2', '--zset-max-listpack-entries', '2'], dir)
    const c = await RawClient.connect(s.port)
    try {
      expect(await c.call('OBJECT', 'ENCODING', 'h')).toBe('hashtable')
      expect(await c.call('OBJECT', 'ENCODING', 'z')).toBe('skiplist')
      expect(await c.call('HGET', 'h', 'big')).toBe('9223372036854775807')
      expect(await c.call('ZSCORE', 'z', 'd')).toBe('1000')
    } finally {
      c.close()
      await s.close()
    }
  })

  it('refuses a damaged blob at load as the eager reader did', async () => {
    expect(
      await loadError(rdbFile([[RDB_TYPE_HASH_LISTPACK, 'h', lp(['f', '1', 'g', '2', 'f', '3', 'x', 'y'])]])),
    ).toContain('duplicate hash field detected')
    expect(await loadError(rdbFile([[RDB_TYPE_HASH_LISTPACK, 'h', lp(['f', '1', 'g'])]]))).toContain(
      'hash with an odd number of entries',
    )
    // The same field text once as an integer entry and once as a string entry is still a duplicate.
    const intAndText = lpEncode(['7', 'a', 'z', 'b'])
    intAndText[intAndText.indexOf(Buffer.from([0x81, 0x7a])) + 1] = 0x37
    expect(await loadError(rdbFile([[RDB_TYPE_HASH_LISTPACK, 'h', rdbString(intAndText)]]))).toContain(
      'duplicate hash field detected',
    )
    expect(await loadError(rdbFile([[RDB_TYPE_ZSET_LISTPACK, 'z', lp(['a', '1', 'b', 'x1'])]]))).toContain(
      "zset with an invalid score 'x1'",
    )
    expect(await loadError(rdbFile([[RDB_TYPE_ZSET_LISTPACK, 'z', lp(['a', '1', 'a', '2'])]]))).toContain(
      'duplicate zset member detected',
    )
    const badBacklen = lpEncode(['abc', 'def'])
    badBacklen[10] = 9
    const msg = await loadError(rdbFile([[RDB_TYPE_HASH_LISTPACK, 'h', rdbString(badBacklen)]]))
    expect(msg).toMatch(/corrupt listpack: invalid listpack at offset \d+: backlen 9 does not match/)
  })

  it.runIf(HAVE_REDIS)(
    'a SAVE right after loading a real Redis dump writes its blobs so that Redis loads them back',
    async () => {
      const redis = await startRealRedis()
      const rc = await RawClient.connect(redis.port)
      const range = (n: number, f: (i: number) => string[]): string[] =>
        Array.from({ length: n }, (_, i) => f(i)).flat()
      await rc.call('HSET', 'h', ...range(100, (i) => [`field:${i}`, i % 2 ? `value:${i}` : String(i * 1000 - 7)]))
      await rc.call('ZADD', 'z', ...range(100, (i) => [String(i * 1.5), `member:${i}`]))
      await rc.call('RPUSH', 'l', ...range(3000, (i) => [i % 3 ? `element:${i}` : String(-i)]))
      expect(await rc.call('SAVE')).toBe('OK')
      const dir = tempDir()
      dirs.push(dir)
      copyFileSync(join(redis.dir, 'dump.rdb'), join(dir, 'dump.rdb'))
      const s = await startPersistent([], dir)
      const c = await RawClient.connect(s.port)
      try {
        expect(await c.call('SAVE')).toBe('OK')
        expect(await runProgram('redis-check-rdb', [join(dir, 'dump.rdb')])).toBe(0)
        const expected = [
          await rc.call('HGETALL', 'h'),
          await rc.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES'),
          await rc.call('LRANGE', 'l', '0', '-1'),
        ]
        await rc.call('FLUSHALL')
        rc.close()
        await redis.close()
        const again = await startRealRedis(['--dbfilename', 'back.rdb', '--enable-debug-command', 'local'])
        try {
          copyFileSync(join(dir, 'dump.rdb'), join(again.dir, 'back.rdb'))
          const ac = await RawClient.connect(again.port)
          expect(await ac.call('DEBUG', 'RELOAD', 'NOSAVE')).toBe('OK')
          const got = [
            await ac.call('HGETALL', 'h'),
            await ac.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES'),
            await ac.call('LRANGE', 'l', '0', '-1'),
          ]
          expect(got).toEqual(expected)
          expect([
            await c.call('HGETALL', 'h'),
            await c.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES'),
            await c.call('LRANGE', 'l', '0', '-1'),
          ]).toEqual(expected)
          ac.close()
        } finally {
          await again.close()
        }
      } finally {
        c.close()
        await s.close()
      }
    },
  )
})

describe('loading on two threads', () => {
  let path: string

  beforeAll(async () => {
    // Compressible listpacks (stored LZF-compressed) and small ones (stored raw), strings between.
    const s = await startPersistent()
    dirs.push(s.dir)
    const c = await RawClient.connect(s.port)
    for (let i = 0; i < 300; i++) {
      const n = 1 + (i % 60)
      const range = (f: (k: number) => string[]): string[] => Array.from({ length: n }, (_, k) => f(k)).flat()
      await c.call('HSET', `hash:${i}`, ...range((k) => [`field:${k}`, `value ${k} of hash ${i} `.repeat(2)]))
      await c.call('ZADD', `zset:${i}`, ...range((k) => [String(k * 1.25 - i), `member:${k}:${'m'.repeat(k % 7)}`]))
      await c.call('RPUSH', `list:${i}`, ...range((k) => [k % 3 ? `element ${k} `.repeat(4) : String(k - 30)]))
      await c.call('SET', `string:${i}`, `text ${i}`, 'PX', String(3_600_000 + i))
    }
    expect(await c.call('SAVE')).toBe('OK')
    c.close()
    await s.close()
    path = join(s.dir, 'dump.rdb')
  })

  afterAll(() => {
    twoThreadLoad.minBytes = DEFAULT_MIN_BYTES
  })

  /** Starts a server on a copy of `bytes` with files from minBytes on loaded on two threads. */
  async function start(bytes: Buffer, minBytes: number) {
    twoThreadLoad.minBytes = minBytes
    const dir = tempDir()
    dirs.push(dir)
    writeFileSync(join(dir, 'dump.rdb'), bytes)
    return startPersistent([], dir)
  }

  /** Every key as DUMP, PEXPIRETIME and MEMORY USAGE see it. */
  async function contents(port: number): Promise<Map<string, unknown[]>> {
    const c = await RawClient.connect(port)
    const keys = ((await c.call('KEYS', '*')) as string[]).sort()
    const out = new Map<string, unknown[]>()
    for (const k of keys) {
      out.set(k, [await c.call('DUMP', k), await c.call('PEXPIRETIME', k), await c.call('MEMORY', 'USAGE', k)])
    }
    c.close()
    return out
  }

  it('sends the listpacks and the CRC to a worker and loads exactly what one thread loads', async () => {
    const bytes = readFileSync(path)
    const one = await start(bytes, Infinity)
    const two = await start(bytes, 0)
    try {
      twoThreadLoad.minBytes = Infinity
      expect(loadRdbFile(one.srv, join(one.dir, 'dump.rdb')).threads).toBe(1)
      // Without the built worker (npm run build:engine) the load stays in one thread.
      twoThreadLoad.minBytes = 0
      expect(loadRdbFile(two.srv, join(two.dir, 'dump.rdb')).threads).toBe(2)
      const [a, b] = [await contents(one.port), await contents(two.port)]
      expect(a.size).toBe(1200)
      expect([...a].filter(([, [, at]]) => at !== -1)).toHaveLength(300)
      expect([...b]).toEqual([...a])
      expect(await datasetMemory(await RawClient.connect(two.port))).toBe(
        await datasetMemory(await RawClient.connect(one.port)),
      )
    } finally {
      await one.close()
      await two.close()
    }
  })

  it('refuses a damaged file with the same message and offset as one thread', async () => {
    const good = readFileSync(path)
    const firstBlob = good.indexOf('hash:10') + 8
    // zset:0 holds one short member: its listpack is stored raw.
    const rawEntry = good.indexOf('member:0:', good.indexOf('zset:0')) - 1
    const failure = async (bytes: Buffer, minBytes: number): Promise<[string, number]> => {
      const err = await start(bytes, minBytes).then(
        () => null,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(RdbLoadError)
      const e = err as RdbLoadError
      return [e.message.slice(e.message.indexOf(': ') + 2), e.offset]
    }
    // Flips inside listpacks (raw and LZF-compressed ones), in the structure, and in the footer.
    for (const at of [firstBlob, firstBlob + 3, firstBlob + 40, rawEntry, good.length >> 1, good.length - 2]) {
      const bad = Buffer.from(good)
      bad[at] ^= 0x5a
      const one = await failure(bad, Infinity)
      expect(await failure(bad, 0)).toEqual(one)
    }
    const cut = good.subarray(0, good.length - 1000)
    expect(await failure(cut, 0)).toEqual(await failure(cut, Infinity))
  })

  it('loads in one thread, with a warning, when the worker does not start', async () => {
    const script = twoThreadLoad.script
    const dir = tempDir()
    dirs.push(dir)
    twoThreadLoad.script = join(dir, 'broken-worker.mjs')
    writeFileSync(twoThreadLoad.script, "throw new Error('no worker here')\n")
    const s = await start(readFileSync(path), Infinity)
    try {
      const expected = await contents(s.port)
      const warnings: string[] = []
      s.srv.log.sink = (line) => warnings.push(line)
      twoThreadLoad.minBytes = 0
      expect(loadRdbFile(s.srv, join(s.dir, 'dump.rdb')).threads).toBe(1)
      expect(warnings.join('\n')).toContain('the load worker did not start, loading again in one thread')
      expect([...(await contents(s.port))]).toEqual([...expected])
    } finally {
      twoThreadLoad.script = script
      await s.close()
    }
  }, 30_000)
})
