// SAVE, BGSAVE, LASTSAVE, load at start, save rules, MISCONF, SHUTDOWN and DEBUG RELOAD over real
// TCP against an engine started like the standalone binary, with real files in a temp dir.

import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { RawClient, ReplyError, sleep } from './helpers.js'
import { startPersistent, waitBgsave, infoField, tempDir, type PersistentServer } from './rdb-helpers.js'
import { parseRdbBuffer } from '../src/persistence/rdb/reader.js'

const open: PersistentServer[] = []
async function start(args: string[] = [], dir?: string): Promise<{ s: PersistentServer; c: RawClient }> {
  const s = await startPersistent(args, dir)
  open.push(s)
  return { s, c: await RawClient.connect(s.port) }
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close(true)
})

describe('SAVE and load at start', () => {
  it('saves strings with TTLs in several dbs and loads them back identically', async () => {
    const { s, c } = await start()
    await c.call('SET', 'a', '1')
    await c.call('SET', 'big', 'x'.repeat(5000))
    await c.call('SET', 'bin', '\x00\xff\r\n')
    await c.call('SET', 'n', '-123456789012')
    await c.call('SELECT', '3')
    await c.call('SET', 'in3', 'v')
    s.srv.keyspace.dbs[3].setExpire(s.srv.keyspace.dbs[3].find('in3'), Date.now() + 100_000)
    expect(await c.call('SAVE')).toBe('OK')
    expect(await infoField(c, 'persistence', 'rdb_changes_since_last_save')).toBe('0')
    const lastsave = await c.call('LASTSAVE')
    expect(Math.abs((lastsave as number) - Date.now() / 1000)).toBeLessThan(5)
    const dir = s.dir
    c.close()
    await s.close()
    open.pop()
    const { c: c2, s: s2 } = await start([], dir)
    expect(await c2.call('GET', 'a')).toBe('1')
    expect(await c2.call('GET', 'big')).toBe('x'.repeat(5000))
    expect(await c2.call('GET', 'bin')).toBe('\x00\xff\r\n')
    expect(await c2.call('GET', 'n')).toBe('-123456789012')
    await c2.call('SELECT', '3')
    expect(await c2.call('GET', 'in3')).toBe('v')
    const exp = s2.srv.keyspace.dbs[3].getExpire('in3')
    expect(exp).toBeGreaterThan(Date.now() + 90_000)
    expect(await infoField(c2, 'persistence', 'rdb_last_load_keys_loaded')).toBe('5')
  })

  it('drops keys already expired when loading and counts them', async () => {
    const { s, c } = await start()
    await c.call('SET', 'gone', 'x')
    await c.call('SET', 'kept', 'y')
    s.srv.keyspace.dbs[0].setExpire(s.srv.keyspace.dbs[0].find('gone'), Date.now() + 50)
    await c.call('SAVE')
    await sleep(80)
    const dir = s.dir
    c.close()
    await s.close()
    open.pop()
    const { c: c2 } = await start([], dir)
    expect(await c2.call('DBSIZE')).toBe(1)
    expect(await infoField(c2, 'persistence', 'rdb_last_load_keys_expired')).toBe('1')
  })
})

describe('BGSAVE', () => {
  it('writes the file in the background and resets dirty', async () => {
    const { s, c } = await start()
    for (let i = 0; i < 2000; i++) await c.call('SET', `k${i}`, `v${i}`)
    expect(await c.call('BGSAVE')).toBe('Background saving started')
    await waitBgsave(c)
    expect(await infoField(c, 'persistence', 'rdb_last_bgsave_status')).toBe('ok')
    expect(await infoField(c, 'persistence', 'rdb_changes_since_last_save')).toBe('0')
    expect(await infoField(c, 'persistence', 'rdb_saves')).toBe('1')
    expect(await c.call('SAVE')).toBe('OK')
    expect(await infoField(c, 'persistence', 'rdb_saves')).toBe('2')
    const file = readFileSync(join(s.dir, 'dump.rdb'))
    const { events } = parseRdbBuffer(file)
    expect(events.filter((e) => e.kind === 'key').length).toBe(2000)
    expect(events.at(-1)).toMatchObject({ kind: 'eof', checksum: 'ok' })
    // No temp file is left behind.
    expect(readdirSync(s.dir)).toEqual(['dump.rdb'])
  })

  it('BGSAVE keeps large compressed values and listpacks intact while chunks are still in flight', async () => {
    const { s, c } = await start()
    let seed = 1
    const letters = (n: number): string => {
      let out = ''
      for (let i = 0; i < n; i++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        out += 'acgt'[seed >>> 30]
      }
      return out
    }
    // Each compresses to well over one 64 KB chunk, and each is encoded in the same scratch space.
    const big = [letters(300_000), letters(300_000), letters(300_000)]
    for (let i = 0; i < big.length; i++) await c.call('SET', `big${i}`, big[i])
    for (let i = 0; i < 50; i++) {
      await c.call('HSET', `h${i}`, 'f', letters(30), 'g', String(i))
      await c.call('RPUSH', `l${i}`, letters(20), letters(40), String(i))
    }
    expect(await c.call('BGSAVE')).toBe('Background saving started')
    await waitBgsave(c)
    expect(await infoField(c, 'persistence', 'rdb_last_bgsave_status')).toBe('ok')
    const hashes = await Promise.all(Array.from({ length: 50 }, (_, i) => c.call('HGETALL', `h${i}`)))
    const lists = await Promise.all(Array.from({ length: 50 }, (_, i) => c.call('LRANGE', `l${i}`, '0', '-1')))
    const dir = s.dir
    c.close()
    await s.close()
    open.pop()
    const { c: c2 } = await start([], dir)
    for (let i = 0; i < big.length; i++) expect(await c2.call('GET', `big${i}`)).toBe(big[i])
    for (let i = 0; i < 50; i++) {
      expect(await c2.call('HGETALL', `h${i}`)).toEqual(hashes[i])
      expect(await c2.call('LRANGE', `l${i}`, '0', '-1')).toEqual(lists[i])
    }
  })

  it('reports the keys writes copied ahead of the walk as copy-on-write bytes', async () => {
    const { c } = await start()
    for (let i = 0; i < 5000; i++) await c.call('SET', `k${i}`, 'v'.repeat(100))
    // One turn: the snapshot starts and 100 of its keys are overwritten before its first slice.
    let pipe = '*1\r\n$6\r\nBGSAVE\r\n'
    for (let i = 0; i < 100; i++) pipe += `*3\r\n$3\r\nSET\r\n$${`k${i}`.length}\r\nk${i}\r\n$1\r\nx\r\n`
    pipe += '*2\r\n$4\r\nINFO\r\n$11\r\npersistence\r\n'
    c.writeRaw(pipe)
    expect(await c.next()).toBe('Background saving started')
    for (let i = 0; i < 100; i++) expect(await c.next()).toBe('OK')
    const info = String(await c.next())
    const cow = Number(/current_cow_size:(\d+)/.exec(info)![1])
    // Each copied key holds its 100-byte value and name at least once.
    expect(cow).toBeGreaterThanOrEqual(100 * 102)
    expect(Number(/current_cow_peak:(\d+)/.exec(info)![1])).toBe(cow)
    await waitBgsave(c)
    expect(Number(await infoField(c, 'persistence', 'rdb_last_cow_size'))).toBe(cow)
    expect(await infoField(c, 'persistence', 'current_cow_size')).toBe('0')
  })

  it('paces the walk by rdb-key-save-delay while the server keeps answering', async () => {
    const { s, c } = await start()
    for (let i = 0; i < 200; i++) await c.call('SET', `k${i}`, 'v')
    expect(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '5000')).toBe('OK')
    const t0 = performance.now()
    expect(await c.call('BGSAVE')).toBe('Background saving started')
    await sleep(300)
    // About 60 of 200 keys are due after 300 ms at 5 ms each; the save is still running.
    expect(await infoField(c, 'persistence', 'rdb_bgsave_in_progress')).toBe('1')
    const done = Number(await infoField(c, 'persistence', 'current_save_keys_processed'))
    expect(done).toBeGreaterThan(20)
    expect(done).toBeLessThan(120)
    expect(await c.call('GET', 'k1')).toBe('v')
    await waitBgsave(c)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200 * 5 - 50)
    const { events } = parseRdbBuffer(readFileSync(join(s.dir, 'dump.rdb')))
    expect(events.filter((e) => e.kind === 'key').length).toBe(200)
    // A negative value is Redis's sub-microsecond form; 0 turns pacing off.
    expect(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '-10')).toBe('OK')
    expect(await c.call('CONFIG', 'GET', 'rdb-key-save-delay')).toEqual(['rdb-key-save-delay', '-10'])
  })

  it('refuses a second BGSAVE and SAVE while one runs, and checks its arguments', async () => {
    const { c } = await start()
    for (let i = 0; i < 300; i++) await c.call('SET', `k${i}`, 'v'.repeat(100))
    expect(await c.call('BGSAVE', 'now')).toEqual(new ReplyError('ERR syntax error'))
    c.writeRaw('*1\r\n$6\r\nBGSAVE\r\n*1\r\n$6\r\nBGSAVE\r\n*1\r\n$4\r\nSAVE\r\n')
    expect(await c.next()).toBe('Background saving started')
    expect(await c.next()).toEqual(new ReplyError('ERR Background save already in progress'))
    expect(await c.next()).toEqual(new ReplyError('ERR Background save already in progress'))
    await waitBgsave(c)
    expect(await c.call('BGSAVE', 'SCHEDULE')).toBe('Background saving started')
    await waitBgsave(c)
  })

  it('schedules a BGSAVE asked for inside EXEC, so the snapshot never holds half a transaction', async () => {
    const { s, c } = await start()
    expect(await c.call('MULTI')).toBe('OK')
    expect(await c.call('SET', 'a', '1')).toBe('QUEUED')
    expect(await c.call('BGSAVE')).toBe('QUEUED')
    expect(await c.call('SET', 'b', '2')).toBe('QUEUED')
    expect(await c.call('EXEC')).toEqual(['OK', 'Background saving scheduled', 'OK'])
    // serverCron starts the scheduled save.
    const until = Date.now() + 10_000
    while ((await infoField(c, 'persistence', 'rdb_saves')) !== '1' && Date.now() < until) await sleep(20)
    await waitBgsave(c)
    expect(await infoField(c, 'persistence', 'rdb_last_bgsave_status')).toBe('ok')
    const { events } = parseRdbBuffer(readFileSync(join(s.dir, 'dump.rdb')))
    expect(events.flatMap((e) => (e.kind === 'key' ? [e.key] : [])).sort()).toEqual(['a', 'b'])
  })

  it('fails cleanly when the folder is gone, then MISCONF blocks writes until a save succeeds', async () => {
    const { s, c } = await start(['--save', '3600 1'])
    await c.call('SET', 'a', '1')
    const gone = tempDir()
    expect(await c.call('CONFIG', 'SET', 'dir', gone)).toBe('OK')
    rmSync(gone, { recursive: true })
    // As chdir() in Redis: a folder that is not there cannot be set at all.
    expect(await c.call('CONFIG', 'SET', 'dir', join(gone, 'sub'))).toEqual(
      new ReplyError("ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"),
    )
    // As with a failed fork child in Redis: the start is acknowledged, the save fails.
    expect(await c.call('BGSAVE')).toBe('Background saving started')
    expect(await infoField(c, 'persistence', 'rdb_last_bgsave_status')).toBe('err')
    const misconf = (await c.call('SET', 'b', '2')) as ReplyError
    expect(misconf.message).toBe(
      "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
    )
    expect(await c.call('PING')).toBeInstanceOf(ReplyError)
    expect(await c.call('GET', 'a')).toBe('1')
    await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no')
    expect(await c.call('SET', 'b', '2')).toBe('OK')
    await c.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes')
    await c.call('CONFIG', 'SET', 'dir', s.dir)
    expect(await c.call('SAVE')).toBe('OK')
    expect(await c.call('SET', 'c', '3')).toBe('OK')
  })

  it('runs save rules from cron', async () => {
    const { s, c } = await start(['--save', '1 2', '--hz', '50'])
    await c.call('SET', 'a', '1')
    await c.call('SET', 'b', '1')
    const until = Date.now() + 5000
    while (!existsSync(join(s.dir, 'dump.rdb')) && Date.now() < until) await sleep(50)
    expect(existsSync(join(s.dir, 'dump.rdb'))).toBe(true)
    await waitBgsave(c)
    expect(await infoField(c, 'persistence', 'rdb_changes_since_last_save')).toBe('0')
  })
})

/** Sends PSYNC ? -1 and resolves with the RDB bytes of the bulk that follows +FULLRESYNC. */
async function psyncRdb(c: RawClient): Promise<Buffer> {
  c.socket.removeAllListeners('data')
  const chunks: Buffer[] = []
  const head = /^\+FULLRESYNC [0-9a-f]{40} \d+\r\n\$(\d+)\r\n/
  const done = new Promise<Buffer>((resolve) => {
    c.socket.on('data', (d: Buffer) => {
      chunks.push(d)
      const all = Buffer.concat(chunks)
      const m = head.exec(all.toString('latin1', 0, 120))
      if (m && all.length >= m[0].length + Number(m[1])) resolve(all.subarray(m[0].length, m[0].length + Number(m[1])))
    })
  })
  c.writeRaw('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n')
  return done
}

describe('full sync', () => {
  it('sends a disk-backed snapshot and honours rdb-del-sync-files', async () => {
    const { s, c } = await start(['--rdb-del-sync-files', 'yes'])
    await c.call('SET', 'a', '1')
    const rdb = await psyncRdb(c)
    const { events } = parseRdbBuffer(rdb)
    expect(events.filter((e) => e.kind === 'key')).toMatchObject([{ key: 'a', value: { value: '1' } }])
    await sleep(50)
    // Nothing persists (no save rules, no AOF): the file made only for the replica is removed.
    expect(existsSync(join(s.dir, 'dump.rdb'))).toBe(false)
    const c2 = await RawClient.connect(s.port)
    expect(await infoField(c2, 'stats', 'sync_full')).toBe('1')
  })

  it('streams a diskless snapshot of many chunks intact to a replica that stops reading for a while', async () => {
    const { c } = await start()
    // About 32 MB of incompressible values: five hundred encoder chunks, more than the kernel's
    // socket buffers on both ends hold.
    const values = new Map<string, string>()
    for (let b = 0; b < 20; b++) {
      const args: string[] = []
      for (let i = b * 100; i < (b + 1) * 100; i++) {
        const v = randomBytes(16 * 1024).toString('latin1')
        values.set(`k${i}`, v)
        args.push(`k${i}`, v)
      }
      await c.call('MSET', ...args)
    }
    c.socket.removeAllListeners('data')
    const chunks: Buffer[] = []
    c.socket.on('data', (d: Buffer) => chunks.push(d))
    c.writeRaw('*3\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n*1\r\n$4\r\nSYNC\r\n')
    // While the replica reads nothing, written-out chunks pile up in the server's socket queue: any
    // chunk the encoder took back before it was on the wire would be overwritten by later records.
    c.socket.pause()
    await sleep(300)
    c.socket.resume()
    // +OK (REPLCONF), then $EOF:<mark>, the RDB, and the mark again once the transfer is complete.
    const head = /^\+OK\r\n\$EOF:([0-9a-f]{40})\r\n/
    const rdb = await new Promise<Buffer>((resolve) => {
      const tail = () => Buffer.concat(chunks.slice(-2)).toString('latin1').slice(-40)
      const check = () => {
        const m = head.exec(Buffer.concat(chunks.slice(0, 4)).toString('latin1', 0, 60))
        if (m && tail() === m[1]) {
          const all = Buffer.concat(chunks)
          resolve(all.subarray(m[0].length, all.length - 40))
        } else setTimeout(check, 20)
      }
      check()
    })
    const { events } = parseRdbBuffer(rdb)
    const keys = events.filter((e) => e.kind === 'key')
    expect(keys.length).toBe(2000)
    for (const k of keys) if (k.kind === 'key') expect(k.value).toEqual({ type: 'string', value: values.get(k.key) })
  })
})

describe('LRU and LFU records', () => {
  it('writes IDLE under an LRU policy, FREQ under an LFU policy, neither otherwise', async () => {
    for (const [policy, want] of [
      ['allkeys-lru', 'idle'],
      ['volatile-lfu', 'freq'],
      ['noeviction', 'none'],
    ] as const) {
      const { s, c } = await start(['--maxmemory-policy', policy])
      await c.call('SET', 'a', '1')
      await c.call('SAVE')
      const { events } = parseRdbBuffer(readFileSync(join(s.dir, 'dump.rdb')))
      const key = events.find((e) => e.kind === 'key')
      expect(key).toMatchObject({ key: 'a' })
      if (key?.kind !== 'key') throw new Error('no key')
      expect(key.idle >= 0 ? 'idle' : key.freq >= 0 ? 'freq' : 'none', policy).toBe(want)
    }
  })
})

describe('SHUTDOWN and DEBUG RELOAD', () => {
  it('saves at shutdown when save rules exist or SAVE is given, not with NOSAVE', async () => {
    const { s, c } = await start(['--save', '3600 1'])
    await c.call('SET', 'a', '1')
    await s.srv.shutdown(false)
    expect(existsSync(join(s.dir, 'dump.rdb'))).toBe(false)
    const r2 = await start(['--save', '3600 1'])
    await r2.c.call('SET', 'a', '1')
    await r2.s.srv.shutdown(null)
    expect(existsSync(join(r2.s.dir, 'dump.rdb'))).toBe(true)
    const r3 = await start()
    await r3.c.call('SET', 'a', '1')
    await r3.s.srv.shutdown(true)
    expect(existsSync(join(r3.s.dir, 'dump.rdb'))).toBe(true)
  })

  it('DEBUG RELOAD saves and reloads; a corrupt file is refused and data kept', async () => {
    const { s, c } = await start()
    await c.call('SET', 'a', '1')
    expect(await c.call('DEBUG', 'RELOAD')).toBe('OK')
    expect(await c.call('GET', 'a')).toBe('1')
    const path = join(s.dir, 'dump.rdb')
    const bytes = readFileSync(path)
    bytes[bytes.length - 12] ^= 0xff
    writeFileSync(path, bytes)
    expect(await c.call('DEBUG', 'RELOAD', 'NOSAVE')).toEqual(
      new ReplyError('ERR Error trying to load the RDB dump, check server logs.'),
    )
    expect(await c.call('GET', 'a')).toBe('1')
    expect(statSync(path).size).toBe(bytes.length)
  })
})
