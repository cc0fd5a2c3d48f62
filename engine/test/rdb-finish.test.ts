// Large synchronous saves on two threads (persistence/rdb/finish-output.ts): the snapshot encodes
// with LZF and the CRC left to a writer thread, which compresses, checksums and writes the file.
// These tests compare its files byte for byte with one-thread saves (SAVE, and BGSAVE, which stays
// in one thread), make the writer's disk refuse writes (its fd swapped for /dev/full), and give it
// a worker that never starts: the previous file survives every failure, and SAVE falls back to
// one thread.

import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { RawClient, requireProgram, sleep } from './helpers.js'
import { infoField, startPersistent, tempDir, waitBgsave, type PersistentServer } from './rdb-helpers.js'
import { BufferSource, RdbParser } from '../src/persistence/rdb/reader.js'
import { FinishingFileOutput, finishingSave } from '../src/persistence/rdb/finish-output.js'
import { RdbStream } from '../src/persistence/rdb/stream.js'
import { SIGNAL_STARTED } from '../src/persistence/rdb/finish-protocol.js'

const DEFAULT = { ...finishingSave }
const HAVE_CHECK = requireProgram('redis-check-rdb')
const open: PersistentServer[] = []
const dirs: string[] = []

afterEach(async () => {
  Object.assign(finishingSave, DEFAULT)
  for (const s of open.splice(0)) await s.close(true)
})

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** A server with every kind of value: strings short and long, compressible and not, large ones, collections, TTLs, two dbs. */
async function populated(): Promise<{ s: PersistentServer; c: RawClient; log: string[] }> {
  const s = await startPersistent()
  open.push(s)
  const log: string[] = []
  s.srv.log.level = 'verbose'
  s.srv.log.sink = (line) => log.push(line)
  const c = await RawClient.connect(s.port)
  let seed = 7
  const noise = (n: number): string => {
    let out = ''
    for (let i = 0; i < n; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      out += String.fromCharCode(seed >>> 24)
    }
    return out
  }
  for (let i = 0; i < 2000; i++) {
    await c.call('SET', `s:${i}`, i % 3 ? `text of value ${i} `.repeat(1 + (i % 5)) : noise(10 + (i % 40)))
    if (i % 100 === 0) await c.call('PEXPIRE', `s:${i}`, String(3_600_000 + i))
  }
  await c.call('SET', 'big:text', 'abcdefgh'.repeat(40_000))
  await c.call('SET', 'big:noise', noise(100_000))
  await c.call('SET', 'int', '12345')
  for (let i = 0; i < 200; i++) {
    const n = i % 2 ? 10 : 300
    const range = (f: (k: number) => string[]): string[] => Array.from({ length: n }, (_, k) => f(k)).flat()
    await c.call('HSET', `h:${i}`, ...range((k) => [`field:${k}`, `value ${k} of ${i}`]))
    await c.call('ZADD', `z:${i}`, ...range((k) => [String(k / 3), `member:${k}`]))
    await c.call('RPUSH', `l:${i}`, ...range((k) => [k % 4 ? `element ${k} `.repeat(3) : String(k)]))
    await c.call('SADD', `set:${i}`, ...range((k) => [i % 4 ? String(k) : `m${k}`]))
  }
  await c.call('SELECT', '3')
  await c.call('SET', 'in3', 'x'.repeat(50), 'EX', '1000')
  await c.call('SELECT', '0')
  return { s, c, log }
}

/**
 * The file from its first record to EOF: the AUX fields carry the time and the memory in use, and
 * the CRC footer covers them (each file's own is checked when it is parsed).
 */
function body(file: Buffer): Buffer {
  const p = new RdbParser(new BufferSource(file))
  p.header()
  let at = p.offset
  while (p.next().kind === 'aux') at = p.offset
  while (p.next().kind !== 'eof');
  return file.subarray(at, file.length - 8)
}

function checkRdb(path: string): void {
  if (!HAVE_CHECK) return
  const r = spawnSync('redis-check-rdb', [path], { encoding: 'utf8' })
  expect(r.status, r.stdout).toBe(0)
}

describe('saves with a writer thread', () => {
  it('SAVE writes the same bytes as a save in one thread', async () => {
    const { s, c, log } = await populated()
    const path = join(s.dir, 'dump.rdb')
    finishingSave.minBytes = Infinity
    expect(await c.call('SAVE')).toBe('OK')
    const one = readFileSync(path)
    expect(log.join('\n')).not.toContain('writer thread')
    finishingSave.minBytes = 0
    expect(await c.call('SAVE')).toBe('OK')
    const two = readFileSync(path)
    expect(log.join('\n')).toContain('with LZF and the checksum on a writer thread')
    expect(body(two).equals(body(one))).toBe(true)
    checkRdb(path)
    expect(readdirSync(s.dir).filter((f) => f.startsWith('temp-'))).toEqual([])
    c.close()
  })

  it('SAVE writes what a BGSAVE (one thread) wrote, and the file loads back', async () => {
    const { s, c, log } = await populated()
    const path = join(s.dir, 'dump.rdb')
    finishingSave.minBytes = 0
    expect(await c.call('BGSAVE')).toBe('Background saving started')
    await waitBgsave(c)
    expect(await infoField(c, 'persistence', 'rdb_last_bgsave_status')).toBe('ok')
    expect(log.join('\n')).not.toContain('writer thread')
    const one = readFileSync(path)
    expect(await c.call('SAVE')).toBe('OK')
    expect(log.join('\n')).toContain('writer thread')
    expect(body(readFileSync(path)).equals(body(one))).toBe(true)
    const dump = await c.call('DUMP', 'big:noise')
    const h = await c.call('HGETALL', 'h:1')
    c.close()
    await s.close()
    open.pop()
    const again = await startPersistent([], s.dir)
    open.push(again)
    const c2 = await RawClient.connect(again.port)
    expect(await c2.call('DUMP', 'big:noise')).toEqual(dump)
    expect(await c2.call('HGETALL', 'h:1')).toEqual(h)
    expect(Number(await c2.call('DBSIZE'))).toBe(2003 + 800)
    c2.close()
  })

  it('a disk that refuses the writer thread fails the save and keeps the previous file', async () => {
    const { s, c } = await populated()
    const path = join(s.dir, 'dump.rdb')
    expect(await c.call('SAVE')).toBe('OK')
    const before = readFileSync(path)
    const out = new FinishingFileOutput(path, finishingSave.script as string, true)
    // Once the worker has started it opens no more files (its modules are loaded), and it writes
    // nothing before the first chunk is posted: its fd becomes /dev/full.
    const flags = (out as unknown as { flags: Int32Array }).flags
    while (Atomics.load(flags, SIGNAL_STARTED) === 0) await sleep(5)
    const fd = (out as unknown as { fd: number }).fd
    closeSync(fd)
    // open() takes the lowest free number: fill any lower holes until it is fd again.
    const holes: number[] = []
    for (let f = openSync('/dev/full', 'w'); f !== fd; f = openSync('/dev/full', 'w')) {
      expect(f).toBeLessThan(fd)
      holes.push(f)
    }
    for (const f of holes) closeSync(f)
    const stream = new RdbStream(s.srv, out)
    const d = s.srv.keyspace.dbs[0].dict
    stream.setSizes(() => [d.size, d.volatileCount])
    for (let slot = 0; slot < d.slotEnd; slot++) {
      const key = d.keys[slot]
      if (key !== undefined)
        stream.record(0, key, d.vals[slot] as NonNullable<(typeof d.vals)[number]>, d.expires[slot], d, slot)
    }
    stream.end()
    expect(() => out.commit()).toThrow(/ENOSPC: no space left on device/)
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(existsSync(out.tempPath)).toBe(false)
    // The next save works.
    finishingSave.minBytes = 0
    expect(await c.call('SAVE')).toBe('OK')
    c.close()
  })

  it('a writer thread that does not start: SAVE is written in one thread, and later ones too', async () => {
    const { s, c, log } = await populated()
    const dir = tempDir()
    dirs.push(dir)
    finishingSave.script = join(dir, 'broken-worker.mjs')
    writeFileSync(finishingSave.script, "throw new Error('no writer here')\n")
    finishingSave.minBytes = 0
    finishingSave.startMs = 1000
    const path = join(s.dir, 'dump.rdb')
    expect(await c.call('SAVE')).toBe('OK')
    expect(log.join('\n')).toContain('the RDB writer thread did not start; saves run in one thread from now on')
    expect(finishingSave.script).toBeNull()
    const saved = readFileSync(path)
    expect(body(saved).length).toBeGreaterThan(100_000)

    const warnings = log.length
    expect(await c.call('SAVE')).toBe('OK')
    expect(log.slice(warnings).join('\n')).not.toContain('writer thread')
    expect(body(readFileSync(path)).equals(body(saved))).toBe(true)
    c.close()
  }, 20_000)
})
