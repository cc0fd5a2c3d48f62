// The structure-only walk a backup validates its stream with (inspectRdb `structure`, skimValue):
// it counts what the full parse counts over every type and encoding the engine writes, refuses a
// bad CRC, a cut or padded stream, bad lengths, blob headers and type bytes, and leaves damage
// inside a blob's entries to the full parse, which refuses it (restore's verify).

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { RawClient } from './helpers.js'
import { startPersistent } from './rdb-helpers.js'
import { crc64 } from '../src/persistence/rdb/crc64.js'
import { BufferSource, RdbError, parseRdbBuffer } from '../src/persistence/rdb/reader.js'
import * as K from '../src/persistence/rdb/constants.js'
import { inspectRdb } from '../src/tools/rdb-inspect.js'
import { RdbEncoder } from '../src/persistence/rdb/writer.js'

let good: Buffer
/** File offset of each key record's type byte, and its RDB type. */
const records = new Map<string, { at: number; rdbType: number }>()

beforeAll(async () => {
  // Uncompressed, so blob headers sit at known offsets.
  const s = await startPersistent(['--rdbcompression', 'no'])
  const c = await RawClient.connect(s.port)
  await c.call('SET', 'str', 'hello')
  await c.call('SET', 'int', '12345')
  await c.call('SET', 'long', 'x'.repeat(200))
  await c.call('SET', 'ttl', 'v', 'EX', '1000')
  await c.call('HSET', 'h', 'a', '1', 'b', 'two')
  await c.call('HSET', 'bigh', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat())
  await c.call('SADD', 'ints', '1', '2', '3')
  await c.call('SADD', 'set', 'a', 'b', 'c')
  await c.call('ZADD', 'z', '1.5', 'a', '-2', 'b')
  await c.call('ZADD', 'bigz', ...Array.from({ length: 200 }, (_, i) => [String(i / 3), `m${i}`]).flat())
  await c.call('RPUSH', 'l', ...Array.from({ length: 50 }, (_, i) => `e${i}`))
  await c.call('SELECT', '2')
  await c.call('SET', 'd2', 'two')
  expect(await c.call('SAVE')).toBe('OK')
  c.close()
  good = readFileSync(join(s.dir, 'dump.rdb'))
  await s.close(true)
  for (const ev of parseRdbBuffer(good).events)
    if (ev.kind === 'key') records.set(ev.key, { at: ev.offset, rdbType: ev.rdbType })
})

const skim = (b: Buffer) => inspectRdb(new BufferSource(b), { structure: true })
const full = (b: Buffer) => inspectRdb(new BufferSource(b))

/** What the walk throws (RdbError), for matching its message. */
function refusal(f: () => unknown): RdbError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(RdbError)
    return e as RdbError
  }
  throw new Error('the walk accepted it')
}

/** A copy with `edit` applied and the CRC-64 footer made to match, so only the structure can refuse it. */
function edited(edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(good)
  edit(b)
  crc64(b.subarray(0, b.length - 8))
    .bytes()
    .copy(b, b.length - 8)
  return b
}

/** Offset of a one-byte-long key's compact blob (type byte, key length, key, blob length). */
function blobOf(key: string): number {
  const r = records.get(key)!
  expect(key.length).toBeLessThan(64)
  return r.at + 1 + 1 + key.length + 1
}

describe('structure-only RDB walk', () => {
  it('counts what the full parse counts, over every encoding the engine writes', () => {
    expect(new Set([...records.values()].map((r) => K.RDB_TYPE_NAMES[r.rdbType]))).toEqual(
      new Set(['string', 'hash listpack', 'hash', 'set intset', 'set', 'zset listpack', 'zset', 'list quicklist']),
    )
    const a = full(good)
    const b = skim(good)
    expect(b.checksum).toBe('ok')
    expect(b).toEqual({ ...a, report: undefined, samples: undefined })
    expect(b.dbs['0'].keys).toBe(11)
    expect(b.dbs['2'].keys).toBe(1)
    expect(b.expires).toBe(1)
  })

  it('refuses a bad CRC, a flipped byte inside a value, a cut stream and bytes after EOF', () => {
    const crc = Buffer.from(good)
    crc[crc.length - 1] ^= 1
    expect(refusal(() => skim(crc)).reason).toMatch(/RDB checksum mismatch/)
    // Value bytes are not decoded: the checksum is what catches them.
    const value = Buffer.from(good)
    value[good.indexOf('hello') + 1] ^= 0x20
    expect(refusal(() => skim(value)).reason).toMatch(/RDB checksum mismatch/)
    expect(refusal(() => skim(good.subarray(0, good.length - 20))).reason).toMatch(/unexpected end of file/)
    expect(refusal(() => skim(Buffer.concat([good, Buffer.from('x')]))).reason).toMatch(
      /1 unexpected bytes after the end of the RDB/,
    )
  })

  it('refuses bad lengths, blob headers and type bytes at their offset', () => {
    // A string length that runs past the end of the file.
    const long = records.get('long')!.at + 1 + 1 + 4
    expect(good[long] >> 6).toBe(1)
    const runs = refusal(() => skim(edited((b) => ((b[long] = 0x7f), (b[long + 1] = 0xff)))))
    expect(runs.reason).toMatch(/unexpected end of file/)
    // A listpack whose header disagrees with its size.
    const lp = blobOf('h')
    const lpErr = refusal(() => skim(edited((b) => b.writeUInt32LE(b.readUInt32LE(lp) + 1, lp))))
    expect(lpErr.reason).toMatch(/^corrupt listpack: header says \d+ bytes but the blob has \d+$/)
    expect(lpErr.offset).toBe(lp - 1)
    // An intset that claims one integer more than it holds.
    const is = blobOf('ints')
    expect(refusal(() => skim(edited((b) => b.writeUInt32LE(4, is + 4)))).reason).toBe(
      'corrupt intset: header says 4 integers of 2 bytes but the blob has 14 bytes',
    )
    // A type byte Strata cannot read.
    const t = records.get('str')!.at
    const type = refusal(() => skim(edited((b) => (b[t] = K.RDB_TYPE_STREAM_LISTPACKS))))
    expect(type.reason).toBe('unsupported value type 15 (stream): Strata cannot load it')
    expect(type.offset).toBe(t)
  })

  it('walks runs of short string records, across the edges of its read window, as the full parse does', () => {
    // 150,000 records, several windows long, with TTLs, integers, a long value and a db switch
    // breaking the runs of plain short strings the walk takes in one go.
    const parts: Buffer[] = []
    const e = new RdbEncoder({ compress: false, checksum: true, sink: (b) => parts.push(Buffer.from(b)) })
    e.header()
    e.selectDb(0)
    for (let i = 0; i < 150_000; i++) {
      if (i === 70_000) e.selectDb(3)
      if (i % 1000 === 7) e.keyPrefix(Date.now() + 100_000, -1, -1)
      e.byte(K.RDB_TYPE_STRING)
      e.str(`key:${String(i).padStart(8, '0')}`)
      if (i % 500 === 3) e.num(i)
      else e.str(i % 20_000 === 11 ? 'L'.repeat(300) : 'v'.repeat(16))
    }
    e.end()
    const b = Buffer.concat(parts)
    expect(b.length).toBeGreaterThan(3 << 20)
    const walked = skim(b)
    expect(walked).toEqual({ ...full(b), report: undefined, samples: undefined })
    expect(walked.dbs['3'].keys).toBe(80_000)
    expect(walked.expires).toBe(150)
    // A value length one too long swallows the next record's type byte: the records after it no
    // longer line up, and both walks refuse the file.
    const at = b.indexOf('key:00100000') + 12
    expect(b[at]).toBe(16)
    const shifted = Buffer.from(b)
    shifted[at] = 17
    crc64(shifted.subarray(0, shifted.length - 8))
      .bytes()
      .copy(shifted, shifted.length - 8)
    expect(refusal(() => skim(shifted)).offset).toBe(refusal(() => full(shifted)).offset)
  })

  it('leaves the entries inside a blob to the full parse, which refuses them', () => {
    // The first entry's encoding byte of the listpack becomes one no listpack uses.
    const bad = edited((b) => (b[blobOf('h') + 6] = 0xf5))
    expect(skim(bad).keys).toBe(12)
    expect(refusal(() => full(bad)).reason).toMatch(/corrupt listpack: .*invalid entry encoding byte 0xf5/)
  })
})
