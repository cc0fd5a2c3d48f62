// Loading the AOF at start: a torn tail of the last incr file (cut at every byte of its last
// command, and of a trailing MULTI/EXEC block) is repaired back to the last complete command;
// damage anywhere else stops the start, names the file and offset, and leaves every file byte for
// byte as it was; AOF-first start-up ignores dump.rdb; an old single appendonly.aof is moved into
// the folder; a folder whose manifest names a restored RDB as its base (what backups write) loads.

import { afterEach, describe, expect, it } from 'vitest'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { RawClient } from './helpers.js'
import { dumpDataset, removeDir, startAofServer, tempDir, waitRewrite, type AofServer } from './aof-helpers.js'
import { encodeCommand } from '../src/persistence/aof/reader.js'

const AOF_DIR = 'appendonlydir'
const dirs: string[] = []
const servers: AofServer[] = []

function newDir(): string {
  const d = tempDir()
  dirs.push(d)
  return d
}

async function start(dir: string, args: string[] = []): Promise<AofServer> {
  const s = await startAofServer(dir, ['--appendonly', 'yes', ...args])
  servers.push(s)
  return s
}

async function stop(s: AofServer): Promise<void> {
  servers.splice(servers.indexOf(s), 1)
  await s.close()
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
  for (const d of dirs.splice(0)) removeDir(d)
})

async function run(port: number, cmds: (string | number)[][]): Promise<void> {
  const c = await RawClient.connect(port)
  for (const cmd of cmds) await c.call(...cmd)
  c.close()
}

function copyAofDir(from: string): string {
  const to = newDir()
  mkdirSync(join(to, AOF_DIR))
  for (const f of readdirSync(join(from, AOF_DIR))) copyFileSync(join(from, AOF_DIR, f), join(to, AOF_DIR, f))
  return to
}

function hashes(dir: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const f of readdirSync(join(dir, AOF_DIR)).sort()) {
    m.set(
      f,
      createHash('sha256')
        .update(readFileSync(join(dir, AOF_DIR, f)))
        .digest('hex'),
    )
  }
  return m
}

function incrPath(dir: string, seq = 1): string {
  return join(dir, AOF_DIR, `appendonly.aof.${seq}.incr.aof`)
}

const SETUP: (string | number)[][] = [
  ['SET', 'str', 'hello'],
  ['RPUSH', 'list', 'a', 'b', 'c'],
  ['SELECT', 2],
  ['SADD', 'set', 'x', 'y'],
  ['SET', 'ttl', 'v', 'EX', 1000],
  ['SELECT', 0],
  ['ZADD', 'z', 1.5, 'm'],
]

describe('AOF loading', () => {
  for (const tail of ['a command', 'a MULTI/EXEC block'] as const) {
    it(`repairs a torn tail cut at every byte offset of ${tail}`, async () => {
      const dir = newDir()
      const s = await start(dir)
      await run(s.port, SETUP)
      const last: string[][] =
        tail === 'a command'
          ? [['HSET', 'h', 'field', 'value']]
          : [['MULTI'], ['HSET', 'h', 'field', 'value'], ['INCR', 'n'], ['EXEC']]
      await run(s.port, last)
      await stop(s)
      const full = readFileSync(incrPath(dir))
      const lastBytes = last.reduce((n, a) => n + encodeCommand(a).length, 0)
      const cut0 = full.length - lastBytes
      expect(full.subarray(cut0).toString('latin1')).toBe(last.map((a) => encodeCommand(a)).join(''))

      const expectedBefore = await datasetAt(dir, cut0)
      expect(expectedBefore.has('0:h')).toBe(false)
      for (let off = cut0 + 1; off < full.length; off++) {
        const d = copyAofDir(dir)
        truncateSync(incrPath(d), off)
        const t = await start(d)
        expect(await dumpDataset(t.port), `cut at ${off}`).toEqual(expectedBefore)
        expect(t.logs.join('\n')).toContain(`Truncating the AOF appendonly.aof.1.incr.aof at offset ${cut0}`)
        await stop(t)
        // Repaired in place: the file now ends with the last complete command.
        expect(readFileSync(incrPath(d))).toEqual(full.subarray(0, cut0))
      }
      const whole = await datasetAt(dir, full.length)
      expect(whole.get('0:h')).toEqual({ type: 'hash', exp: -1, val: [['field', 'value']] })
    }, 120_000)
  }

  async function datasetAt(dir: string, length: number): Promise<Map<string, unknown>> {
    const d = copyAofDir(dir)
    truncateSync(incrPath(d), length)
    const t = await start(d)
    const data = await dumpDataset(t.port)
    await stop(t)
    return data
  }

  it('refuses to start on damage in the middle of the last file, naming file and offset, files untouched', async () => {
    const dir = newDir()
    const s = await start(dir)
    await run(s.port, SETUP)
    await run(s.port, [['SET', 'after', 'damage']])
    await stop(s)
    const path = incrPath(dir)
    const bytes = readFileSync(path)
    // Damage the '*' of the RPUSH record (in the middle of the file).
    const at = bytes.indexOf('*5\r\n$5\r\nRPUSH')
    expect(at).toBeGreaterThan(0)
    bytes[at] = '!'.charCodeAt(0)
    writeFileSync(path, bytes)
    const before = hashes(dir)
    await expect(start(dir)).rejects.toThrow(
      `Bad file format reading the append only file appendonly.aof.1.incr.aof at offset ${at}`,
    )
    expect(hashes(dir)).toEqual(before)
  })

  it('refuses a truncated incr file that is not the last one, and leaves it as it was', async () => {
    const dir = newDir()
    const s = await start(dir)
    await run(s.port, SETUP)
    await stop(s)
    // Split the incr in two files listed in the manifest, then tear the end of the first.
    const full = readFileSync(incrPath(dir))
    const split = full.indexOf('*2\r\n$6\r\nSELECT\r\n$1\r\n2')
    writeFileSync(incrPath(dir, 1), full.subarray(0, split - 3))
    writeFileSync(incrPath(dir, 2), full.subarray(split))
    const manifest = join(dir, AOF_DIR, 'appendonly.aof.manifest')
    writeFileSync(
      manifest,
      readFileSync(manifest, 'latin1') + 'file appendonly.aof.2.incr.aof seq 2 type i\n',
      'latin1',
    )
    const before = hashes(dir)
    await expect(start(dir)).rejects.toThrow(
      /appendonly\.aof\.1\.incr\.aof at offset \d+: the truncated file is not the last file/,
    )
    expect(hashes(dir)).toEqual(before)
  })

  it('with aof-load-truncated no, a torn tail stops the start and is not repaired', async () => {
    const dir = newDir()
    const s = await start(dir)
    await run(s.port, SETUP)
    await stop(s)
    const size = readFileSync(incrPath(dir)).length
    truncateSync(incrPath(dir), size - 3)
    const before = hashes(dir)
    await expect(start(dir, ['--aof-load-truncated', 'no'])).rejects.toThrow(/Unexpected end of file/)
    expect(hashes(dir)).toEqual(before)
  })

  it('a missing listed file or a bad manifest stops the start', async () => {
    const dir = newDir()
    const s = await start(dir)
    await stop(s)
    const manifest = join(dir, AOF_DIR, 'appendonly.aof.manifest')
    const text = readFileSync(manifest, 'latin1')
    writeFileSync(manifest, text + 'file appendonly.aof.9.incr.aof seq 9 type i\n')
    await expect(start(dir)).rejects.toThrow("The AOF file appendonly.aof.9.incr.aof doesn't exist")
    writeFileSync(manifest, text + '\n')
    await expect(start(dir)).rejects.toThrow('Invalid AOF manifest file format')
    writeFileSync(manifest, text + 'file appendonly.aof.1.incr.aof seq 1 type i\n')
    await expect(start(dir)).rejects.toThrow('Found a non-monotonic sequence number')
  })

  it('with appendonly yes dump.rdb is ignored and an empty base is created', async () => {
    const dir = newDir()
    const rdbOnly = await startAofServer(dir, [])
    await run(rdbOnly.port, [['SET', 'from', 'rdb'], ['SAVE']])
    await rdbOnly.close()
    expect(existsSync(join(dir, 'dump.rdb'))).toBe(true)
    const s = await start(dir)
    expect(await dumpDataset(s.port)).toEqual(new Map())
    expect(readFileSync(join(dir, AOF_DIR, 'appendonly.aof.manifest'), 'latin1')).toBe(
      'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    )
    expect(s.logs.join('\n')).toContain('Creating AOF base file appendonly.aof.1.base.rdb on server start')
  })

  it('moves an old single appendonly.aof (RDB preamble + RESP tail) into the folder as base seq 1', async () => {
    const src = newDir()
    const s = await start(src)
    await run(s.port, SETUP)
    await run(s.port, [['BGREWRITEAOF']])
    await waitRewrite(s.port)
    await run(s.port, [['SET', 'tail', 'resp']])
    await stop(s)
    const dir = newDir()
    const base = readFileSync(join(src, AOF_DIR, 'appendonly.aof.2.base.rdb'))
    const tail = readFileSync(incrPath(src, 2))
    writeFileSync(join(dir, 'appendonly.aof'), Buffer.concat([base, tail]))
    const t = await start(dir)
    const data = await dumpDataset(t.port)
    expect(data.get('0:tail')).toEqual({ type: 'string', exp: -1, val: 'resp' })
    expect(data.get('2:set')).toEqual({ type: 'set', exp: -1, val: ['x', 'y'] })
    expect(existsSync(join(dir, 'appendonly.aof'))).toBe(false)
    expect(readFileSync(join(dir, AOF_DIR, 'appendonly.aof.manifest'), 'latin1')).toBe(
      'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    )
    expect(t.logs.join('\n')).toContain('Successfully migrated an old-style AOF file (appendonly.aof)')
  })

  it('loads a folder whose manifest names a restored RDB as the base (what a restore writes)', async () => {
    const src = newDir()
    const rdbOnly = await startAofServer(src, [])
    await run(rdbOnly.port, [['SET', 'restored', 'yes'], ['RPUSH', 'l', 1, 2], ['SAVE']])
    await rdbOnly.close()
    const dir = newDir()
    mkdirSync(join(dir, AOF_DIR))
    copyFileSync(join(src, 'dump.rdb'), join(dir, AOF_DIR, 'appendonly.aof.1.base.rdb'))
    writeFileSync(join(dir, AOF_DIR, 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.rdb seq 1 type b\n')
    const t = await start(dir)
    const data = await dumpDataset(t.port)
    expect(data.get('0:restored')).toEqual({ type: 'string', exp: -1, val: 'yes' })
    expect(data.get('0:l')).toEqual({ type: 'list', exp: -1, val: ['1', '2'] })
    await run(t.port, [['SET', 'new', 'write']])
    await stop(t)
    const again = await start(dir)
    expect((await dumpDataset(again.port)).get('0:new')).toEqual({ type: 'string', exp: -1, val: 'write' })
  })

  it('DEBUG LOADAOF empties the dataset and loads it back from the AOF files', async () => {
    const dir = newDir()
    // always: the file holds every acknowledged write when its size is read.
    const s = await start(dir, ['--appendfsync', 'always'])
    await run(s.port, SETUP)
    await run(s.port, [['SELECT', 5], ['SET', 'x', 'y'], ['FLUSHDB'], ['FLUSHDB']])
    const before = await dumpDataset(s.port)
    const size = readFileSync(incrPath(dir)).length
    const c = await RawClient.connect(s.port)
    expect(await c.call('DEBUG', 'LOADAOF')).toBe('OK')
    expect(await dumpDataset(s.port)).toEqual(before)
    // Nothing replayed was fed back into the AOF (not even FLUSHDB's forced propagation).
    expect(readFileSync(incrPath(dir)).length).toBe(size)
    // Writes after the reload still reach the same incr file.
    await c.call('SET', 'after', 'reload')
    expect(readFileSync(incrPath(dir), 'latin1')).toContain('after')
    c.close()
  })
})
