// Files from older Redis versions: an RDB 9 file with the encodings 2.x–6.2 wrote (ziplist lists,
// hashes and zsets, quicklists of ziplists, zipmap hashes, plain lists, ASCII-score zsets,
// second-resolution expiries) loads into Strata exactly as real redis-server 7.0 loads it.

import { afterAll, describe, expect, it } from 'vitest'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RawClient, requireProgram, startRealRedis } from './helpers.js'
import { rdbString as str, startPersistent, tempDir } from './rdb-helpers.js'
import { crc64 } from '../src/persistence/rdb/crc64.js'
import { ziplistDecode, zipmapDecode } from '../src/persistence/rdb/ziplist.js'
import { SetValue } from '../src/types/set.js'
import { ZSetValue } from '../src/types/zset.js'
import { HashValue } from '../src/types/hash.js'
import { ListValue } from '../src/types/list.js'
import type { Value } from '../src/types/value.js'

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}

/** A ziplist integer entry's encoding byte and payload: immediate 0..12, int8/16/24/32/64. */
function zipInt(v: bigint): Buffer {
  if (v >= 0n && v <= 12n) return Buffer.from([0xf1 + Number(v)])
  const forms: [bigint, number, number][] = [
    [127n, 0xfe, 1],
    [32767n, 0xc0, 2],
    [8388607n, 0xf0, 3],
    [2147483647n, 0xd0, 4],
  ]
  for (const [max, tag, width] of forms) {
    if (v <= max && v >= -max - 1n) {
      const b = Buffer.alloc(1 + width)
      b[0] = tag
      b.writeIntLE(Number(v), 1, width)
      return b
    }
  }
  const b = Buffer.alloc(9)
  b[0] = 0xe0
  b.writeBigInt64LE(v, 1)
  return b
}

/** A ziplist as ziplist.c lays it out, with every integer and string header form. */
function ziplist(entries: string[]): Buffer {
  const parts: Buffer[] = []
  let prevlen = 0
  let tail = 10
  let off = 10
  for (const e of entries) {
    const prev = prevlen < 254 ? Buffer.from([prevlen]) : Buffer.concat([Buffer.from([0xfe]), u32le(prevlen)])
    let enc: Buffer
    if (/^(0|-?[1-9]\d{0,18})$/.test(e)) {
      const v = BigInt(e)
      enc = zipInt(v)
    } else {
      const d = Buffer.from(e, 'latin1')
      const head =
        d.length < 64
          ? Buffer.from([d.length])
          : d.length < 16384
            ? Buffer.from([0x40 | (d.length >> 8), d.length & 255])
            : Buffer.concat([
                Buffer.from([0x80]),
                Buffer.from([d.length >>> 24, (d.length >> 16) & 255, (d.length >> 8) & 255, d.length & 255]),
              ])
      enc = Buffer.concat([head, d])
    }
    const entry = Buffer.concat([prev, enc])
    tail = off
    off += entry.length
    prevlen = entry.length
    parts.push(entry)
  }
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(10)
  head.writeUInt32LE(10 + body.length + 1, 0)
  head.writeUInt32LE(entries.length ? tail : 10, 4)
  head.writeUInt16LE(entries.length, 8)
  return Buffer.concat([head, body, Buffer.from([0xff])])
}

function zipmap(pairs: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length / 2])]
  for (let i = 0; i < pairs.length; i += 2) {
    const k = Buffer.from(pairs[i], 'latin1')
    const v = Buffer.from(pairs[i + 1], 'latin1')
    parts.push(Buffer.from([k.length]), k, Buffer.from([v.length, 0]), v)
  }
  parts.push(Buffer.from([0xff]))
  return Buffer.concat(parts)
}

function legacyFile(): Buffer {
  const ints = [
    '0',
    '12',
    '13',
    '-1',
    '127',
    '-128',
    '300',
    '-32768',
    '70000',
    '-8388608',
    '5000000000',
    '-9223372036854775808',
  ]
  const long = 'long string '.repeat(10)
  const expireSecs = Buffer.alloc(4)
  expireSecs.writeInt32LE(Math.floor(Date.now() / 1000) + 7200)
  const recs: Buffer[] = [
    Buffer.from('REDIS0009', 'latin1'),
    Buffer.from([0xfa]),
    str('redis-ver'),
    str('5.0.7'),
    Buffer.from([0xfe, 0x00]),
    Buffer.from([10]),
    str('zl:list'),
    str(ziplist(['a', long, ...ints])),
    Buffer.from([13]),
    str('zl:hash'),
    str(ziplist(['f1', 'v1', 'f2', '17', 'n', long])),
    Buffer.from([12]),
    str('zl:zset'),
    str(ziplist(['c', '-3', 'a', '1.5', 'b', '2', 'd', '1e10'])),
    Buffer.from([14]),
    str('ql:list'),
    Buffer.from([2]),
    str(ziplist(['x', 'y', '1'])),
    str(ziplist([long, '2'])),
    Buffer.from([9]),
    str('zm:hash'),
    str(zipmap(['name', 'strata', 'k', '', 'num', '42'])),
    Buffer.from([1]),
    str('plain:list'),
    Buffer.from([3]),
    str('p1'),
    str('p2'),
    str('p3'),
    Buffer.from([3]),
    str('old:zset'),
    Buffer.from([3]),
    str('m1'),
    Buffer.from([3]),
    Buffer.from('2.5'),
    str('m2'),
    Buffer.from([254]),
    str('m3'),
    Buffer.from([255]),
    Buffer.from([0xfd]),
    expireSecs,
    Buffer.from([0]),
    str('old:ttl'),
    str('seconds'),
    Buffer.from([0xfe, 0x03]),
    Buffer.from([2]),
    str('plain:set'),
    Buffer.from([2]),
    str('s1'),
    str('s2'),
    Buffer.from([0xff]),
  ]
  const body = Buffer.concat(recs)
  return Buffer.concat([body, crc64(body).bytes()])
}

function engineValue(v: Value): unknown {
  if (typeof v !== 'object') return String(v)
  if (v instanceof SetValue) return [...v.members()].sort()
  if (v instanceof HashValue) return Object.fromEntries(v.entries())
  if (v instanceof ListValue) return v.ql.toArray()
  if (v instanceof ZSetValue) return [...v.entries()].map(([m, s]) => [m, s])
  throw new Error('unknown value')
}

async function redisValue(c: RawClient, k: string): Promise<unknown> {
  const t = await c.call('TYPE', k)
  if (t === 'string') return c.call('GET', k)
  if (t === 'list') return c.call('LRANGE', k, '0', '-1')
  if (t === 'set') return ((await c.call('SMEMBERS', k)) as string[]).sort()
  if (t === 'hash') {
    const flat = (await c.call('HGETALL', k)) as string[]
    return Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]))
  }
  const z = (await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES')) as string[]
  return Array.from({ length: z.length / 2 }, (_, i) => [
    z[2 * i],
    Number(z[2 * i + 1].replace(/^(-?)inf$/, '$1Infinity')),
  ])
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('older RDB encodings', () => {
  it('decodes ziplists and zipmaps on their own', () => {
    expect(ziplistDecode(ziplist(['a', '-5', '70000', 'b'.repeat(300)]))).toEqual(['a', '-5', '70000', 'b'.repeat(300)])
    expect(zipmapDecode(zipmap(['a', '1', 'b', '']))).toEqual(['a', '1', 'b', ''])
    const bad = ziplist(['a', 'b'])
    bad.writeUInt16LE(5, 8)
    expect(() => ziplistDecode(bad)).toThrow(/header counts 5 entries but 2 were found/)
  })

  it.skipIf(!requireProgram('redis-server'))(
    'loads an RDB 9 file with every legacy encoding as redis-server 7.0 does',
    async () => {
      const file = legacyFile()
      const dir = tempDir()
      dirs.push(dir)
      writeFileSync(join(dir, 'dump.rdb'), file)
      const s = await startPersistent([], dir)
      const redis = await startRealRedis(['--dir', dir])
      try {
        const c = await RawClient.connect(redis.port)
        for (const db of [0, 3]) {
          await c.call('SELECT', String(db))
          const keys = ((await c.call('KEYS', '*')) as string[]).sort()
          const d = s.srv.keyspace.dbs[db].dict
          const mine = [...d.slots()].map((slot) => d.keys[slot] as string).sort()
          expect(mine).toEqual(keys)
          for (const k of keys) {
            const slot = d.slotOf(k)
            expect(engineValue(d.vals[slot] as Value), k).toEqual(await redisValue(c, k))
            const ttl = (await c.call('PTTL', k)) as number
            const exp = d.expires[slot]
            expect(exp === 0 ? -1 : Math.round((exp - Date.now()) / 60000), k).toBe(
              ttl < 0 ? -1 : Math.round(ttl / 60000),
            )
            const enc = d.vals[slot]
            if (typeof enc === 'object') expect(enc.encoding(), k).toBe(await c.call('OBJECT', 'ENCODING', k))
          }
        }
        expect(s.srv.keyspace.totalKeys()).toBe(9)
        c.close()
      } finally {
        await redis.close()
        await s.close()
      }
    },
  )
})
