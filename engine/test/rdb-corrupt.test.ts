// Damaged files are refused with a clear message naming the file, the problem and the offset: the
// server does not start with partial data and the file is left byte for byte as it was. The same
// files through strata-check-rdb report the first error and its offset.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RawClient } from './helpers.js'
import { rdbString, startPersistent, tempDir } from './rdb-helpers.js'
import { RdbLoadError } from '../src/persistence/load.js'
import { checkRdb, formatReport, runCheckRdb } from '../src/tools/check-rdb.js'

let good: Buffer
let goodPath: string
const dirs: string[] = []

beforeAll(async () => {
  const s = await startPersistent()
  const c = await RawClient.connect(s.port)
  for (let i = 0; i < 200; i++) await c.call('SET', `key:${i}`, `value number ${i} `.repeat(3))
  await c.call('SADD', 'set', 'a', 'b', 'c')
  await c.call('SELECT', '4')
  await c.call('SET', 'in4', 'x', 'EX', '1000')
  expect(await c.call('SAVE')).toBe('OK')
  c.close()
  goodPath = join(s.dir, 'dump.rdb')
  good = readFileSync(goodPath)
  dirs.push(s.dir)
  await s.close()
})

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Starts a server on `bytes` as dump.rdb; returns the load error, and checks the file is untouched. */
async function refused(bytes: Buffer): Promise<RdbLoadError> {
  const dir = tempDir()
  dirs.push(dir)
  const path = join(dir, 'dump.rdb')
  writeFileSync(path, bytes)
  let err: unknown = null
  try {
    const s = await startPersistent([], dir)
    await s.close()
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(RdbLoadError)
  expect(readFileSync(path).equals(bytes)).toBe(true)
  expect((err as Error).message).toContain(path)
  return err as RdbLoadError
}

describe('corrupt RDB files', () => {
  it('the intact file loads and checks OK', async () => {
    const dir = tempDir()
    dirs.push(dir)
    copyFileSync(goodPath, join(dir, 'dump.rdb'))
    const s = await startPersistent([], dir)
    expect(s.srv.keyspace.totalKeys()).toBe(202)
    await s.close()
    const r = checkRdb(goodPath)
    expect(r.ok).toBe(true)
    const report = formatReport(goodPath, r)
    expect(report).toContain('RDB version 10')
    expect(report).toContain("AUX redis-ver = '7.0.15'")
    expect(report).toContain('db 0: 201 keys, 0 with an expiry (string=200, set=1)')
    expect(report).toContain('db 4: 1 keys, 1 with an expiry (string=1)')
    expect(report).toMatch(/Checksum OK \(crc64 [0-9a-f]{16}\)/)
    expect(report).toContain('RDB looks OK')
  })

  it('refuses a truncated file', async () => {
    for (const cut of [5, 9, 200, good.length - 9, good.length - 3]) {
      const err = await refused(good.subarray(0, cut))
      expect(err.message).toMatch(/shorter than the 9-byte header|unexpected end of file/)
    }
    const dir = tempDir()
    dirs.push(dir)
    const p = join(dir, 't.rdb')
    writeFileSync(p, good.subarray(0, 300))
    const r = checkRdb(p)
    expect(r.ok).toBe(false)
    expect(formatReport(p, r)).toMatch(/--- RDB ERROR DETECTED ---\n\[offset \d+\] unexpected end of file/)
  })

  it('refuses a flipped byte inside a value through the checksum', async () => {
    const bad = Buffer.from(good)
    const at = bad.indexOf('value number 100')
    bad[at + 3] ^= 0x20
    const err = await refused(bad)
    expect(err.message).toMatch(/RDB checksum mismatch/)
    expect(err.offset).toBe(good.length - 8)
  })

  it('refuses a flipped byte in the structure at its offset', async () => {
    const bad = Buffer.from(good)
    const at = bad.indexOf('key:7') - 2
    bad[at] = 0x63
    const err = await refused(bad)
    expect(err.message).toMatch(/unknown value type 99 .*at offset \d+/)
    expect(err.offset).toBe(at)
  })

  it('refuses a key stored twice at the later record, even with a fault further on', async () => {
    // key:11's record renamed key:10 (same length), with the checksum off (zero) so the file is
    // otherwise sound: the load indexes keys only once the file is read, and must still name the
    // second record's offset, as Redis does.
    const record = (name: string) =>
      good.indexOf(Buffer.from(`\x00${String.fromCharCode(name.length)}${name}`, 'latin1'))
    const dup = Buffer.from(good)
    dup.write('key:10', record('key:11') + 2, 'latin1')
    dup.fill(0, dup.length - 8)
    const later = Math.max(record('key:10'), record('key:11'))
    const err = await refused(dup)
    expect(err.message).toMatch(/duplicated key 'key:10' in db 0 \(at offset \d+\)/)
    expect(err.offset).toBe(later)
    // A flipped type byte after both records: the duplicate is still the fault reported.
    const after = record('key:199')
    expect(after).toBeGreaterThan(later)
    const both = Buffer.from(dup)
    both[after] = 0x63
    expect((await refused(both)).offset).toBe(later)
  })

  it('loads a db whose keys come under two RESIZEDB hints smaller than their count', async () => {
    // Keys go into the table unindexed until the file is read: a second hint for the same db
    // must not size the index below the keys already there.
    const keys = (from: number) =>
      Array.from({ length: 40 }, (_, i) => Buffer.concat([Buffer.from([0]), rdbString(`k${from + i}`), rdbString('v')]))
    const hint = (n: number) => Buffer.from([0xfe, 0, 0xfb, n, 0])
    const file = Buffer.concat([
      Buffer.from('REDIS0010', 'latin1'),
      hint(1),
      ...keys(0),
      hint(10),
      ...keys(40),
      Buffer.from([0xff]),
      Buffer.alloc(8),
    ])
    const dir = tempDir()
    dirs.push(dir)
    writeFileSync(join(dir, 'dump.rdb'), file)
    const s = await startPersistent([], dir)
    const c = await RawClient.connect(s.port)
    expect(await c.call('DBSIZE')).toBe(80)
    expect(await c.call('MGET', 'k0', 'k39', 'k40', 'k79')).toEqual(['v', 'v', 'v', 'v'])
    c.close()
    await s.close()
  })

  it('refuses a wrong version and a wrong signature', async () => {
    const v = Buffer.from(good)
    v.write('0099', 5, 'latin1')
    expect((await refused(v)).message).toMatch(/can't handle RDB format version 99/)
    const sig = Buffer.from(good)
    sig.write('XEDIS', 0, 'latin1')
    expect((await refused(sig)).message).toMatch(/not an RDB file/)
  })

  it('refuses a bad CRC, but accepts a zero (disabled) checksum', async () => {
    const bad = Buffer.from(good)
    bad[bad.length - 1] ^= 1
    expect((await refused(bad)).message).toMatch(/checksum mismatch/)
    const zero = Buffer.from(good)
    zero.fill(0, zero.length - 8)
    const dir = tempDir()
    dirs.push(dir)
    writeFileSync(join(dir, 'dump.rdb'), zero)
    const s = await startPersistent([], dir)
    expect(s.srv.keyspace.totalKeys()).toBe(202)
    await s.close()
  })

  it('strata-check-rdb exits 0 for a good file, 1 for a bad one, 2 for usage errors', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(runCheckRdb([goodPath])).toBe(0)
      const dir = tempDir()
      dirs.push(dir)
      const p = join(dir, 'bad.rdb')
      writeFileSync(p, good.subarray(0, 100))
      expect(runCheckRdb([p])).toBe(1)
      expect(runCheckRdb([])).toBe(2)
      expect(runCheckRdb([join(dir, 'missing.rdb')])).toBe(2)
      expect(String(out.mock.calls[0][0])).toContain('RDB looks OK')
      expect(String(out.mock.calls[1][0])).toContain('RDB ERROR DETECTED')
    } finally {
      out.mockRestore()
      err.mockRestore()
    }
  })

  it('refuses trailing garbage in the check tool', () => {
    const dir = tempDir()
    dirs.push(dir)
    const p = join(dir, 'g.rdb')
    writeFileSync(p, Buffer.concat([good, Buffer.from('junk')]))
    const r = checkRdb(p)
    expect(r.error?.message).toBe('4 unexpected bytes after the end of the RDB')
    expect(r.error?.offset).toBe(good.length)
  })
})
