// AOF interoperability with the real redis-server 7.0: the same commands produce the same incr
// bytes (rewrites to PXAT/PEXPIREAT, SELECT, MULTI/EXEC around a lazy expiry and a write); Redis's
// appendonlydir (RDB-preamble base and RESP base, several incr files left by failed rewrites)
// loads into Strata with identical data; Strata's appendonlydir passes redis-check-aof and loads
// into Redis with identical data.

import { afterAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { RawClient, requireProgram, sleep, startRealRedis, type RealRedis } from './helpers.js'
import { dumpDataset, removeDir, startAofServer, tempDir, waitRewrite, type AofServer } from './aof-helpers.js'

const HAS_REDIS = requireProgram('redis-server') && requireProgram('redis-check-aof')
const AOF_DIR = 'appendonlydir'
const dirs: string[] = []
const reds: RealRedis[] = []
const strata: AofServer[] = []

function newDir(): string {
  const d = tempDir()
  dirs.push(d)
  return d
}

async function redisOn(dir: string, args: string[] = []): Promise<RealRedis> {
  const r = await startRealRedis(['--dir', dir, '--appendonly', 'yes', ...args])
  reds.push(r)
  return r
}

async function strataOn(dir: string, args: string[] = []): Promise<AofServer> {
  const s = await startAofServer(dir, ['--appendonly', 'yes', ...args])
  strata.push(s)
  return s
}

afterAll(async () => {
  for (const s of strata) await s.close()
  for (const r of reds) await r.close()
  for (const d of dirs) removeDir(d)
})

async function run(port: number, cmds: (string | number)[][]): Promise<void> {
  const c = await RawClient.connect(port)
  for (const cmd of cmds) await c.call(...cmd)
  c.close()
}

/** A dataset with every type and encoding, TTLs and two dbs. */
function populate(): (string | number)[][] {
  const cmds: (string | number)[][] = []
  for (const db of [0, 3]) {
    cmds.push(['SELECT', db])
    for (let i = 0; i < 200; i++) cmds.push(['SET', `s:${i}`, i % 2 ? `v${i}` : i])
    cmds.push(['RPUSH', 'list', 'a', 'b', 'c'])
    cmds.push(['RPUSH', 'biglist', ...Array.from({ length: 1000 }, (_, i) => `item-${i}`)])
    cmds.push(['HSET', 'hash', 'f1', 'v1', 'f2', '2'])
    cmds.push(['HSET', 'bighash', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat()])
    cmds.push(['SADD', 'intset', 1, 2, 3, -7])
    cmds.push(['SADD', 'set', 'x', 'y', 'z'])
    cmds.push(['SADD', 'bigset', ...Array.from({ length: 600 }, (_, i) => `m${i}`)])
    cmds.push(['ZADD', 'zset', 1.5, 'a', 2, 'b', -3.25, 'c'])
    cmds.push(['ZADD', 'bigzset', ...Array.from({ length: 200 }, (_, i) => [i / 7, `z${i}`]).flat()])
    cmds.push(['SET', 'ttl', 'v', 'EX', 5000])
    cmds.push(['HSET', 'ttlhash', 'f', 'v'], ['PEXPIRE', 'ttlhash', 900_000])
  }
  return cmds
}

/** Writes after a rewrite: they land in the incr file(s). */
function moreWrites(tag: string): (string | number)[][] {
  return [
    ['SELECT', 0],
    ['INCR', 's:0'],
    ['APPEND', 's:1', tag],
    ['LPOP', 'biglist'],
    ['HDEL', 'bighash', 'f1'],
    ['SREM', 'set', 'x'],
    ['ZINCRBY', 'zset', 2.5, 'a'],
    ['EXPIRE', 's:2', 3000],
    ['DEL', 's:3'],
    ['MULTI'],
    ['SET', `tx:${tag}`, tag],
    ['INCRBYFLOAT', 'fl', '1.25'],
    ['EXEC'],
    ['SELECT', 3],
    ['RPUSH', 'list', tag],
    ['SETEX', `ex:${tag}`, 100, 'x'],
  ]
}

/** The pid of a running redis-server's fork child (a rewrite), or 0. */
function childPid(pid: number): number {
  try {
    const list = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()
    return list ? Number(list.split(' ')[0]) : 0
  } catch {
    return 0
  }
}

/** A rewrite on Redis that fails (its child is killed): the incr it opened stays, so incr files pile up. */
async function failedRewrite(r: RealRedis): Promise<void> {
  await run(r.port, [['CONFIG', 'SET', 'rdb-key-save-delay', 2000], ['BGREWRITEAOF']])
  let child = 0
  for (let i = 0; i < 200 && child === 0; i++) {
    child = childPid(r.proc.pid as number)
    if (child === 0) await sleep(10)
  }
  expect(child).toBeGreaterThan(0)
  process.kill(child, 'SIGKILL')
  for (let i = 0; i < 300; i++) {
    const c = await RawClient.connect(r.port)
    const info = (await c.call('INFO', 'persistence')) as string
    c.close()
    if (info.includes('aof_rewrite_in_progress:0')) break
    await sleep(20)
  }
  await run(r.port, [['CONFIG', 'SET', 'rdb-key-save-delay', 0]])
}

function copyAofDir(from: string): string {
  const to = newDir()
  mkdirSync(join(to, AOF_DIR))
  for (const f of readdirSync(join(from, AOF_DIR))) copyFileSync(join(from, AOF_DIR, f), join(to, AOF_DIR, f))
  return to
}

function checkAof(manifest: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('redis-check-aof', [manifest], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr })
    })
  })
}

/** The incr file's records with absolute times blanked (they differ between the two runs). */
function normalisedIncr(dir: string): string {
  const files = readdirSync(join(dir, AOF_DIR)).filter((f) => f.endsWith('.incr.aof'))
  expect(files).toEqual(['appendonly.aof.1.incr.aof'])
  // Unix times in ms are 13 digits; nothing else in the script is.
  return readFileSync(join(dir, AOF_DIR, files[0]), 'latin1').replace(/\$13\r\n\d{13}\r\n/g, '$13\r\n<time>\r\n')
}

describe.skipIf(!HAS_REDIS)('AOF interop with redis-server 7.0', () => {
  it('writes the same incr bytes as Redis for the same commands', async () => {
    const script: (string | number)[][] = [
      ['set', 'lower', 'case kept'],
      ['SET', 'k', 'v', 'EX', 100],
      ['SET', 'k2', 'v', 'PX', 100000, 'NX'],
      ['SETEX', 'k3', 100, 'v'],
      ['EXPIRE', 'lower', 1000],
      ['GETEX', 'k2', 'EX', 50],
      ['GETEX', 'k2', 'PERSIST'],
      ['INCRBYFLOAT', 'f', '0.1'],
      ['SELECT', 4],
      ['RPUSH', 'l', 1, 2, 3],
      ['MULTI'],
      ['LPOP', 'l'],
      ['SET', 'a', 'b'],
      ['EXEC'],
      ['SELECT', 0],
      ['SET', 'gone', 'x', 'PX', 20],
      ['EXPIRE', 'k3', -1],
    ]
    const a = newDir()
    const b = newDir()
    const s = await strataOn(a, ['--appendfsync', 'always'])
    const r = await redisOn(b, ['--appendfsync', 'always', '--enable-debug-command', 'yes'])
    for (const port of [s.port, r.port]) {
      const c = await RawClient.connect(port)
      expect(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', 0)).toBe('OK')
      for (const cmd of script) await c.call(...cmd)
      await sleep(40)
      // A lazy expiry followed by a write: MULTI, DEL, append, EXEC.
      await c.call('APPEND', 'gone', 'y')
      c.close()
    }
    expect(normalisedIncr(a)).toBe(normalisedIncr(b))
    expect(normalisedIncr(a)).toContain('*1\r\n$5\r\nMULTI\r\n*2\r\n$3\r\nDEL\r\n$4\r\ngone\r\n*3\r\n$6\r\nAPPEND')
  })

  for (const preamble of ['yes', 'no']) {
    it(`loads Redis's appendonlydir (aof-use-rdb-preamble ${preamble}, several incr files) with identical data`, async () => {
      const dir = newDir()
      // always: the files hold every acknowledged write when they are copied.
      const r = await redisOn(dir, ['--aof-use-rdb-preamble', preamble, '--appendfsync', 'always'])
      await run(r.port, populate())
      await run(r.port, [['BGREWRITEAOF']])
      await waitRewrite(r.port)
      await run(r.port, moreWrites('one'))
      await failedRewrite(r)
      await run(r.port, moreWrites('two'))
      await failedRewrite(r)
      await run(r.port, moreWrites('three'))
      const names = readdirSync(join(dir, AOF_DIR))
      expect(names.filter((f) => f.endsWith('.incr.aof')).length).toBeGreaterThanOrEqual(3)
      expect(names).toContain(`appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`)
      const copy = copyAofDir(dir)
      const s = await strataOn(copy)
      expect(await dumpDataset(s.port)).toEqual(await dumpDataset(r.port))
    }, 60_000)

    it(`Strata's appendonlydir (aof-use-rdb-preamble ${preamble}) passes redis-check-aof and loads into Redis`, async () => {
      const dir = newDir()
      const s = await strataOn(dir, ['--aof-use-rdb-preamble', preamble, '--appendfsync', 'always'])
      await run(s.port, populate())
      await run(s.port, [['BGREWRITEAOF']])
      await waitRewrite(s.port)
      await run(s.port, moreWrites('one'))
      const names = readdirSync(join(dir, AOF_DIR)).sort()
      expect(names).toEqual([
        `appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`,
        'appendonly.aof.2.incr.aof',
        'appendonly.aof.manifest',
      ])
      const check = await checkAof(join(dir, AOF_DIR, 'appendonly.aof.manifest'))
      expect(check.out).toContain('All AOF files and manifest are valid')
      expect(check.code).toBe(0)
      const copy = copyAofDir(dir)
      const r = await redisOn(copy)
      expect(await dumpDataset(r.port)).toEqual(await dumpDataset(s.port))
    }, 60_000)
  }
})
