// AOF rewrite on the fork-less snapshot: under continuous writes from several clients the new base
// plus the incr that follows it rebuild exactly the final dataset after a restart (RDB-preamble and
// RESP bases); BGREWRITEAOF's replies and its exclusion with BGSAVE; turning the AOF on and off at
// run time; the automatic rewrite on growth; and INFO persistence with Redis 7.0's fields.

import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { RawClient, ReplyError, requireProgram, sleep, startRealRedis } from './helpers.js'
import {
  dumpDataset,
  pipelineSimple,
  removeDir,
  startAofServer,
  tempDir,
  waitRewrite,
  type AofServer,
} from './aof-helpers.js'

const AOF_DIR = 'appendonlydir'
const dirs: string[] = []
const servers: AofServer[] = []

async function start(dir: string, args: string[] = []): Promise<AofServer> {
  const s = await startAofServer(dir, args)
  servers.push(s)
  return s
}

function newDir(): string {
  const d = tempDir()
  dirs.push(d)
  return d
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
  for (const d of dirs.splice(0)) removeDir(d)
})

async function info(port: number): Promise<Map<string, string>> {
  const c = await RawClient.connect(port)
  const text = (await c.call('INFO', 'persistence')) as string
  c.close()
  return new Map(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(':') as [string, string]),
  )
}

/** Pipelined bulk load of n string keys plus some collections. */
async function seed(port: number, n: number): Promise<void> {
  const cmds: (string | number)[][] = []
  for (let i = 0; i < n; i++) cmds.push(['SET', `key:${i}`, `value:${i}`])
  for (let i = 0; i < 200; i++) {
    cmds.push(['HSET', `h:${i}`, ...Array.from({ length: 20 }, (_, k) => [`f${k}`, `v${k}`]).flat()])
    cmds.push(['RPUSH', `l:${i}`, ...Array.from({ length: 20 }, (_, k) => `e${k}`)])
    cmds.push(['ZADD', `z:${i}`, ...Array.from({ length: 20 }, (_, k) => [k * 1.5, `m${k}`]).flat()])
  }
  await pipelineSimple(port, cmds)
}

/** A client that mutates random keys of every kind (and dbs 0 and 1) until stopped. */
async function churn(port: number, id: number, stop: { done: boolean }): Promise<number> {
  const c = await RawClient.connect(port)
  let n = 0
  while (!stop.done) {
    const p: Promise<unknown>[] = []
    for (let j = 0; j < 50; j++, n++) {
      const k = Math.floor(Math.random() * 20_000)
      const i = Math.floor(Math.random() * 200)
      switch (n % 9) {
        case 0:
          p.push(c.call('SET', `key:${k}`, `new:${id}:${n}`))
          break
        case 1:
          p.push(c.call('DEL', `key:${k}`))
          break
        case 2:
          p.push(c.call('INCR', `counter:${id}`))
          break
        case 3:
          p.push(c.call('HSET', `h:${i}`, `f${n % 30}`, `x${n}`))
          break
        case 4:
          p.push(c.call('LPOP', `l:${i}`), c.call('RPUSH', `l:${i}`, `n${n}`))
          break
        case 5:
          p.push(c.call('ZINCRBY', `z:${i}`, 0.5, `m${n % 25}`))
          break
        case 6:
          p.push(c.call('EXPIRE', `key:${k}`, 100_000))
          break
        case 7:
          p.push(c.call('SELECT', 1), c.call('SADD', `s:${i}`, `m${n}`), c.call('SELECT', 0))
          break
        default:
          p.push(c.call('MULTI'), c.call('INCR', `tx:${id}`), c.call('RPUSH', `txl:${id}`, n), c.call('EXEC'))
      }
    }
    await Promise.all(p)
  }
  c.close()
  return n
}

describe('AOF rewrite', () => {
  for (const preamble of ['yes', 'no']) {
    it(`under continuous writes, base + incr rebuild exactly the final dataset (aof-use-rdb-preamble ${preamble})`, async () => {
      const dir = newDir()
      const s = await start(dir, ['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble])
      await seed(s.port, 20_000)
      const stop = { done: false }
      const writers = [0, 1, 2].map((id) => churn(s.port, id, stop))
      await sleep(100)
      const admin = await RawClient.connect(s.port)
      expect(await admin.call('BGREWRITEAOF')).toBe('Background append only file rewriting started')
      const during = await info(s.port)
      expect(during.get('aof_rewrite_in_progress')).toBe('1')
      // The rewrite's progress shows in the same fields as a BGSAVE's (Redis reports them for any child).
      expect(Number(during.get('current_save_keys_total'))).toBeGreaterThanOrEqual(20_000)
      expect(Number(during.get('current_save_keys_processed'))).toBeLessThanOrEqual(
        Number(during.get('current_save_keys_total')),
      )
      await waitRewrite(s.port)
      await sleep(100)
      stop.done = true
      const ops = await Promise.all(writers)
      expect(ops.reduce((a, b) => a + b)).toBeGreaterThan(1000)
      admin.close()
      // Acknowledged writes may still wait in the buffer behind a running everysec fsync (up to 2 s).
      let after = await info(s.port)
      for (let i = 0; i < 300 && after.get('aof_buffer_length') !== '0'; i++) {
        await sleep(10)
        after = await info(s.port)
      }
      expect(after.get('aof_rewrites')).toBe('1')
      expect(after.get('aof_last_bgrewrite_status')).toBe('ok')
      const ext = preamble === 'yes' ? 'rdb' : 'aof'
      expect(readdirSync(join(dir, AOF_DIR)).sort()).toEqual([
        `appendonly.aof.2.base.${ext}`,
        'appendonly.aof.2.incr.aof',
        'appendonly.aof.manifest',
      ])
      expect(readFileSync(join(dir, AOF_DIR, 'appendonly.aof.manifest'), 'latin1')).toBe(
        `file appendonly.aof.2.base.${ext} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`,
      )
      const base = statSync(join(dir, AOF_DIR, `appendonly.aof.2.base.${ext}`)).size
      const incr = statSync(join(dir, AOF_DIR, 'appendonly.aof.2.incr.aof')).size
      expect(incr).toBeGreaterThan(0)
      expect(Number(after.get('aof_current_size'))).toBe(base + incr)
      const final = await dumpDataset(s.port, 2)
      servers.splice(servers.indexOf(s), 1)
      await s.close()
      const t = await start(dir, ['--appendonly', 'yes'])
      expect(await dumpDataset(t.port, 2)).toEqual(final)
    }, 120_000)
  }

  it('BGREWRITEAOF replies: in progress, BGSAVE excluded, scheduled behind a BGSAVE', async () => {
    const dir = newDir()
    const s = await start(dir, ['--appendonly', 'yes'])
    await seed(s.port, 50_000)
    const c = await RawClient.connect(s.port)
    // Pipelined, so the second command runs while the first job is still walking the keyspace.
    const [a, b, d] = await Promise.all([c.call('BGREWRITEAOF'), c.call('BGREWRITEAOF'), c.call('BGSAVE')])
    expect(a).toBe('Background append only file rewriting started')
    expect(b).toEqual(new ReplyError('ERR Background append only file rewriting already in progress'))
    expect(d).toEqual(
      new ReplyError(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      ),
    )
    await waitRewrite(s.port)
    const [e, f] = await Promise.all([c.call('BGSAVE'), c.call('BGREWRITEAOF')])
    expect(e).toBe('Background saving started')
    expect(f).toBe('Background append only file rewriting scheduled')
    expect((await info(s.port)).get('aof_rewrite_scheduled')).toBe('1')
    await waitRewrite(s.port)
    const i = await info(s.port)
    expect(i.get('aof_rewrites')).toBe('2')
    expect(i.get('rdb_last_bgsave_status')).toBe('ok')
    c.close()
  }, 60_000)

  it('CONFIG SET appendonly yes starts a rewrite that captures concurrent writes; appendonly no stops', async () => {
    const dir = newDir()
    const s = await start(dir, [])
    await seed(s.port, 20_000)
    const stop = { done: false }
    const writer = churn(s.port, 7, stop)
    const c = await RawClient.connect(s.port)
    expect(await c.call('CONFIG', 'SET', 'appendonly', 'yes')).toBe('OK')
    expect((await info(s.port)).get('aof_enabled')).toBe('1')
    await waitRewrite(s.port)
    await sleep(50)
    stop.done = true
    await writer
    expect(readdirSync(join(dir, AOF_DIR)).sort()).toEqual([
      'appendonly.aof.1.base.rdb',
      'appendonly.aof.1.incr.aof',
      'appendonly.aof.manifest',
    ])
    expect(s.logs.join('\n')).toContain('Successfully renamed the temporary AOF incr file temp-appendonly.aof.incr')
    const final = await dumpDataset(s.port, 2)
    expect(await c.call('CONFIG', 'SET', 'appendonly', 'no')).toBe('OK')
    const i = await info(s.port)
    expect(i.get('aof_enabled')).toBe('0')
    expect(i.has('aof_current_size')).toBe(false)
    const size = statSync(join(dir, AOF_DIR, 'appendonly.aof.1.incr.aof')).size
    await c.call('SET', 'not', 'in the aof')
    await sleep(20)
    expect(statSync(join(dir, AOF_DIR, 'appendonly.aof.1.incr.aof')).size).toBe(size)
    c.close()
    servers.splice(servers.indexOf(s), 1)
    await s.close()
    const t = await start(dir, ['--appendonly', 'yes'])
    expect(await dumpDataset(t.port, 2)).toEqual(final)
  }, 60_000)

  it('rewrites automatically when the AOF grows past auto-aof-rewrite-percentage', async () => {
    const dir = newDir()
    const s = await start(dir, [
      '--appendonly',
      'yes',
      '--auto-aof-rewrite-min-size',
      '10kb',
      '--auto-aof-rewrite-percentage',
      '100',
    ])
    await seed(s.port, 1000)
    for (let i = 0; i < 100 && (await info(s.port)).get('aof_rewrites') === '0'; i++) await sleep(20)
    await waitRewrite(s.port)
    expect(s.logs.join('\n')).toMatch(/Starting automatic rewriting of AOF on \d+% growth/)
    const i = await info(s.port)
    expect(Number(i.get('aof_base_size'))).toBeGreaterThan(0)
  }, 30_000)

  it.skipIf(!requireProgram('redis-server'))('INFO persistence has the fields of Redis 7.0 in its order', async () => {
    const dir = newDir()
    const s = await start(dir, ['--appendonly', 'yes'])
    const r = await startRealRedis(['--appendonly', 'yes'])
    try {
      expect([...(await info(s.port)).keys()]).toEqual([...(await info(r.port)).keys()])
    } finally {
      await r.close()
    }
  })
})
