// Backups and restores through real parts: the in-process engine and real redis-server as sources
// and targets, a local folder and s3rver (over HTTP with the AWS SDK) as targets, the RDB worker
// from the engine build (npm run build:engine), SQLite catalog, real files.

import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Events } from '../../api/contract.js'
import { HistoryStore } from '../../db/history.js'
import { ProfileStore } from '../../db/profiles.js'
import { openStore, type Sqlite } from '../../db/store.js'
import {
  requireProgram,
  startRealRedis,
  startServer,
  type RealRedis,
  type TestServer,
} from '../../../engine/test/helpers.js'
import { AuditLog } from '../audit.js'
import { Connections } from '../connections.js'
import { EngineHost } from '../engine-host.js'
import { forkLauncher } from '../fork-launcher.js'
import { SecretStore, fileCipher } from '../secrets.js'
import { BackupService, SAFETY_KEEP, SAFETY_TARGET } from './backups.js'
import { Catalog } from './catalog.js'
import { fill, snapshot, startS3, type S3Server } from './fixtures.js'
import { OfflineService } from './offline.js'
import { RestoreService } from './restore.js'
import { expired, isoWeek } from './retention.js'
import { Scheduler } from './scheduler.js'
import { openRdbTransfer } from './sync-client.js'
import { openTarget } from './targets.js'
import { StreamValidator, inspectFile } from './rdb-worker.js'
import { crc64 } from '../../../engine/src/persistence/rdb/crc64.js'
import { parseRdbBuffer } from '../../../engine/src/persistence/rdb/reader.js'
import { RdbEncoder } from '../../../engine/src/persistence/rdb/writer.js'
import { RDB_TYPE_STRING } from '../../../engine/src/persistence/rdb/constants.js'

const WORKER = resolve('out/engine/tools/rdb-worker.js')
const SERVER = resolve('engine/bin/strata-server.mjs')
const hasRedis = requireProgram('redis-server')

interface Rig {
  dir: string
  sqlite: Sqlite
  conns: Connections
  backups: BackupService
  audit: AuditLog
  events: { event: string; payload: unknown }[]
  addServer(name: string, port: number): string
  localTarget(): string
  s3Target(prefix: string, bucket?: string): string
  restore(engine?: EngineHost): RestoreService
  close(): void
}

let s3: S3Server

function rig(opts: { now?: () => number; engine?: () => number | null } = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'strata-backup-'))
  const sqlite = openStore(join(dir, 'console.sqlite'))
  const secrets = new SecretStore(sqlite, fileCipher(dir))
  const profiles = new ProfileStore(sqlite)
  const conns = new Connections(profiles, secrets, { port: opts.engine ?? (() => null) })
  const events: Rig['events'] = []
  const emit = <E extends keyof Events>(event: E, payload: Events[E]) => void events.push({ event, payload })
  const backups = new BackupService(new Catalog(sqlite), conns, secrets, emit, {
    workerScript: WORKER,
    safetyDir: join(dir, 'safety'),
    listPageSize: 3,
    now: opts.now,
  })
  const history = new HistoryStore(join(dir, 'history.sqlite'))
  const audit = new AuditLog(history)
  return {
    dir,
    sqlite,
    conns,
    backups,
    audit,
    events,
    addServer: (name, port) =>
      conns.save({
        name,
        host: '127.0.0.1',
        port,
        db: 0,
        separator: ':',
        tls: { enabled: false, rejectUnauthorized: true },
      }).id,
    localTarget: () => backups.saveTarget({ name: 'local', kind: 'local', path: join(dir, 'local-target') }).id,
    s3Target: (prefix, bucket = 'backups') =>
      backups.saveTarget({
        name: 's3',
        kind: 's3',
        bucket,
        prefix,
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
      }).id,
    restore: (engine) =>
      new RestoreService({
        backups,
        conns,
        engine: engine ?? (null as unknown as EngineHost),
        offline: new OfflineService(conns, () => engine!, WORKER, join(dir, 'offline')),
        workerScript: WORKER,
        tmpDir: join(dir, 'tmp'),
        emit,
        releaseEngine: () => conns.dropClients('embedded'),
        audit,
      }),
    close() {
      conns.closeAll()
      sqlite.close()
      history.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function client(port: number): Promise<Redis> {
  const c = new Redis({ port, lazyConnect: true, protocol: 2 })
  await c.connect()
  return c
}

async function until<T>(f: () => T | Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v).slice(0, 400)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

async function objectBytes(r: Rig, target: string, key: string): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const c of await r.backups.store(target).read(key)) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

beforeAll(async () => {
  s3 = await startS3()
})
afterAll(async () => {
  await s3?.close()
})

describe('backups', () => {
  let engine: TestServer
  let r: Rig

  beforeAll(async () => {
    engine = await startServer()
    const c = await client(engine.port)
    await fill(c, 'e')
    c.disconnect()
  })
  afterAll(async () => {
    r?.close()
    await engine?.close()
  })

  it('streams the RDB in both the $EOF (diskless) and the $<len> form, validated the same', async () => {
    const summaries = []
    for (const capaEof of [true, false]) {
      const t = await openRdbTransfer({ host: '127.0.0.1', port: engine.port }, { capaEof })
      expect(t.form).toBe(capaEof ? 'eof' : 'len')
      const chunks: Buffer[] = []
      for await (const c of t.chunks) chunks.push(c)
      // Read straight into shared memory, for the validation worker to read without a copy.
      expect(chunks.every((c) => c.buffer instanceof SharedArrayBuffer)).toBe(true)
      const file = join(tmpdir(), `strata-sync-${process.pid}-${capaEof}.rdb`)
      writeFileSync(file, Buffer.concat(chunks))
      summaries.push(await inspectFile(WORKER, file))
      rmSync(file)
    }
    expect(summaries[0].keys).toBe(211)
    expect(summaries[0].dbs).toEqual(summaries[1].dbs)
    expect(summaries[0].checksum).toBe('ok')
  })

  it('a scheduled backup fires and lands in a local folder and in S3 with a correct catalog row', async () => {
    r = rig()
    const conn = r.addServer('engine one', engine.port)
    const local = r.localTarget()
    const remote = r.s3Target('scheduled/')
    const sched = new Scheduler(r.backups, (e, p) => r.events.push({ event: e, payload: p }), { tickMs: 100 })
    for (const target of [local, remote])
      sched.save({ conn, target, cron: '*/1 * * * * *', keepLast: 100, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 })
    sched.start()
    const rows = await until(
      () => r.backups.catalog.backups({ status: 'good' }),
      (l) => new Set(l.map((b) => b.target)).size === 2,
    )
    await sched.stop()
    expect(r.events.some((e) => e.event === 'backups.progress')).toBe(true)
    for (const target of [local, remote]) {
      const row = rows.find((b) => b.target === target)!
      expect(row).toMatchObject({
        conn,
        connName: 'engine one',
        kind: 'scheduled',
        rdbVersion: 10,
        keys: { '0': 209, '3': 2 },
      })
      expect(row.key).toMatch(/^engine-one\/\d{8}T\d{6}Z-[0-9a-f]{6}\.rdb$/)
      const bytes = await objectBytes(r, target, row.key)
      expect(bytes.length).toBe(row.bytes)
      expect(sha(bytes)).toBe(row.sha256)
      const side = JSON.parse((await objectBytes(r, target, row.key.replace(/\.rdb$/, '.json'))).toString())
      expect(side).toMatchObject({ format: 'strata-backup/1', id: row.id, sha256: row.sha256, bytes: row.bytes })
    }
    // The catalog can be rebuilt from the targets alone (S3 listed in pages of 3).
    const fresh = rig()
    const remote2 = fresh.s3Target('scheduled/')
    const n = r.backups.catalog.backups({ target: remote, status: 'good' }).length
    expect(await fresh.backups.rebuild(remote2)).toEqual({ found: n, added: n })
    expect(
      fresh.backups.catalog
        .backups({ status: 'good' })
        .map((b) => b.sha256)
        .sort(),
    ).toEqual(
      r.backups.catalog
        .backups({ target: remote, status: 'good' })
        .map((b) => b.sha256)
        .sort(),
    )
    fresh.close()
  })

  it('a run missed during sleep runs once at the next tick; a failing run is retried with backoff, then reported', async () => {
    let clock = Date.UTC(2026, 0, 5, 10, 0, 30)
    const rr = rig({ now: () => clock })
    const conn = rr.addServer('engine', engine.port)
    const local = rr.localTarget()
    const notices: string[] = []
    const emit = (e: string, p: unknown) => e === 'notice' && notices.push((p as { message: string }).message)
    const sched = new Scheduler(rr.backups, emit as never, { now: () => clock, retryDelaysMs: [20, 40] })
    const s = sched.save({
      conn,
      target: local,
      cron: '0 * * * *',
      keepLast: 0,
      keepDaily: 0,
      keepWeekly: 0,
      keepMonthly: 0,
    })
    expect(s.nextRunAt).toBe(Date.UTC(2026, 0, 5, 11))
    sched.tick()
    expect(rr.backups.catalog.backups()).toEqual([])
    // The machine sleeps through three hourly slots: one catch-up run, then the next slot from now.
    clock = Date.UTC(2026, 0, 5, 13, 20)
    sched.tick()
    sched.tick()
    await sched.stop()
    expect(rr.backups.catalog.backups({ status: 'good' })).toHaveLength(1)
    expect(notices[0]).toMatch(/missed/)
    expect(sched.list()[0]).toMatchObject({ nextRunAt: Date.UTC(2026, 0, 5, 14), lastStatus: 'good' })
    // A target that fails: the first attempt and two retries, then an error notice.
    const bad = rr.s3Target('', 'nope')
    sched.save({ conn, target: bad, cron: '0 * * * *', keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 })
    clock = Date.UTC(2026, 0, 5, 14, 0, 1)
    sched.tick()
    await sched.stop()
    expect(rr.backups.catalog.backups({ target: bad }).map((b) => b.status)).toEqual(['failed', 'failed', 'failed'])
    expect(notices.at(-1)).toMatch(/Scheduled backup failed/)
    expect(sched.list().find((x) => x.target === bad)).toMatchObject({ lastStatus: 'failed' })
    rr.close()
  })

  it('retention deletes exactly the expected objects in both target kinds', async () => {
    const day = 86_400_000
    // Mon 2026-01-05 12:00 UTC and backups going back in time.
    const base = Date.UTC(2026, 0, 5, 12)
    const offsets = [0, 0.1, 0.2, 1, 1.5, 3, 8, 15, 40, 70, 100].map((d) => base - d * day)
    let clock = 0
    const rr = rig({ now: () => clock })
    const conn = rr.addServer('engine', engine.port)
    const targets = [rr.localTarget(), rr.s3Target('retention')]
    const made: Record<string, { id: string; created: number; key: string }[]> = {}
    for (const t of targets) {
      made[t] = []
      for (const at of offsets) {
        clock = at
        const e = await rr.backups.start(conn, t, { kind: 'scheduled', schedule: `s-${t}` }).done
        made[t].push({ id: e.id, created: at, key: e.key })
      }
    }
    const policy = { keepLast: 2, keepDaily: 3, keepWeekly: 3, keepMonthly: 3 }
    // Last 2: 0, 0.1 days ago. Daily: Jan 5, Jan 4 (1), Jan 2 (3). ISO weeks: 2026-W02, 2026-W01 (1),
    // 2025-W52 (8). Months: 2026-01, 2025-12 (8), 2025-11 (40).
    const keepOffsets = new Set([0, 0.1, 1, 3, 8, 40].map((d) => base - d * day))
    for (const t of targets) {
      const deleted = await rr.backups.prune({ schedule: `s-${t}` }, policy)
      const expectDeleted = made[t]
        .filter((m) => !keepOffsets.has(m.created))
        .map((m) => m.id)
        .sort()
      expect(deleted.map((d) => d.id).sort()).toEqual(expectDeleted)
      const left = (await rr.backups.store(t).list()).map((o) => o.key).sort()
      const keep = made[t].filter((m) => keepOffsets.has(m.created))
      expect(left).toEqual(keep.flatMap((m) => [m.key, m.key.replace(/\.rdb$/, '.json')]).sort())
      expect(
        rr.backups.catalog
          .backups({ target: t })
          .map((b) => b.id)
          .sort(),
      ).toEqual(keep.map((m) => m.id).sort())
    }
    rr.close()
  })

  it('keeps the newest safety backups of each connection and prunes the rest', async () => {
    const rr = rig()
    const conns = [rr.addServer('one', engine.port), rr.addServer('two', engine.port)]
    const made: Record<string, string[]> = {}
    for (const conn of conns) {
      made[conn] = []
      for (let i = 0; i < SAFETY_KEEP + 2; i++)
        made[conn].unshift((await rr.backups.start(conn, SAFETY_TARGET, { kind: 'safety' }).done).id)
    }
    for (const conn of conns) {
      const kept = rr.backups.catalog.backups({ conn, target: SAFETY_TARGET }).map((b) => b.id)
      expect(kept.sort()).toEqual(made[conn].slice(0, SAFETY_KEEP).sort())
    }
    const files = await rr.backups.store(SAFETY_TARGET).list()
    expect(files).toHaveLength(2 * SAFETY_KEEP * 2) // an .rdb and its .json sidecar each
    rr.close()
  })

  it('a failed upload leaves no catalog entry marked good and no object', async () => {
    const rr = rig()
    const conn = rr.addServer('engine', engine.port)
    const bad = rr.s3Target('', 'missing-bucket')
    await expect(rr.backups.start(conn, bad).done).rejects.toThrow(/failed/)
    // A local folder that cannot be created (a file is in the way).
    writeFileSync(join(rr.dir, 'blocked'), 'x')
    const blocked = rr.backups.saveTarget({ name: 'blocked', kind: 'local', path: join(rr.dir, 'blocked', 'sub') }).id
    await expect(rr.backups.start(conn, blocked).done).rejects.toThrow(/failed/)
    // A server that is not there.
    const gone = rr.addServer('nobody', 1)
    const local = rr.localTarget()
    await expect(rr.backups.start(gone, local).done).rejects.toThrow(/failed/)
    const rows = rr.backups.catalog.backups()
    expect(rows.map((b) => b.status)).toEqual(['failed', 'failed', 'failed'])
    expect(rows.every((b) => b.error)).toBe(true)
    expect(await rr.backups.store(local).list()).toEqual([])
    // And a cancelled one: its temp file is gone and the row says so.
    const big = await client(engine.port)
    const p = big.pipeline()
    for (let i = 0; i < 200_000; i++) p.set(`big:${i}`, 'x'.repeat(50))
    await p.exec()
    const run = rr.backups.start(conn, local)
    await until(
      () =>
        rr.events.filter((e) => e.event === 'backups.progress' && (e.payload as { bytes: number }).bytes > 0).length,
      (n) => n > 0,
    )
    rr.backups.cancel(run.jobId)
    await expect(run.done).rejects.toThrow(/cancelled/)
    expect(rr.backups.catalog.backup(run.backup)!.status).toBe('cancelled')
    expect(await rr.backups.store(local).list()).toEqual([])
    await big.flushdb()
    await fill(big, 'e')
    big.disconnect()
    rr.close()
  })

  it('a corrupted backup is refused at verify', async () => {
    const rr = rig()
    const conn = rr.addServer('engine', engine.port)
    const local = rr.localTarget()
    const e = await rr.backups.start(conn, local).done
    const file = rr.backups.store(local).where(e.key)
    const good = readFileSync(file)
    const restore = rr.restore()
    const corrupt = Buffer.from(good)
    corrupt[Math.floor(corrupt.length / 2)] ^= 0x5a
    writeFileSync(file, corrupt)
    const viaCatalog = await restore.open({ kind: 'backup', id: e.id })
    expect(viaCatalog.phase).toBe('invalid')
    expect(viaCatalog.verify).toMatchObject({ shaMatch: false })
    expect(viaCatalog.error).toMatch(/sha256 mismatch/)
    // Without a sidecar to compare with, the CRC-64 or the parse refuses it.
    rmSync(file.replace(/\.rdb$/, '.json'))
    const plain = await restore.open({ kind: 'file', path: file })
    expect(plain.phase).toBe('invalid')
    expect(plain.verify?.shaMatch).toBeNull()
    expect(plain.error).toMatch(/Invalid RDB/)
    writeFileSync(file, good.subarray(0, good.length - 100))
    expect((await restore.open({ kind: 'file', path: file })).error).toMatch(/unexpected end of file/)
    expect(() => restore.run(plain.session, { conn, mode: 'replace', pattern: '*', dbs: [] })).toThrow(/cannot start/)
    await restore.closeAll()
    rr.close()
  })
})

interface FakePrimary {
  port: number
  payload: Buffer
  /** Send the diskless `$EOF:<mark>` form, the payload and mark cut at these offsets, one write each. */
  eofCuts: number[] | null
  close(): Promise<void>
}

/** A primary that answers the replication handshake with `payload` (over TLS with `tlsKeys`). */
async function fakePrimary(tlsKeys?: { key: Buffer; cert: Buffer }): Promise<FakePrimary> {
  const fake: FakePrimary = {
    port: 0,
    payload: Buffer.alloc(0),
    eofCuts: null,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
  const serve = (sock: Socket) => {
    sock.setNoDelay(true)
    // The client sends its whole handshake at once: +OK for each REPLCONF, then the payload.
    sock.on('data', async (d) => {
      const replconfs = d.toString('latin1').split('REPLCONF').length - 1
      if (replconfs) sock.write('+OK\r\n'.repeat(replconfs))
      if (!d.includes('PSYNC')) return
      sock.write(`+FULLRESYNC ${'0'.repeat(40)} 0\r\n`)
      if (!fake.eofCuts) return void sock.end(`$${fake.payload.length}\r\n` + fake.payload.toString('latin1'), 'latin1')
      const mark = 'm'.repeat(40)
      sock.write(`$EOF:${mark}\r\n`)
      const all = Buffer.concat([fake.payload, Buffer.from(mark)])
      const cuts = [0, ...fake.eofCuts, all.length]
      for (let i = 1; i < cuts.length; i++) {
        sock.write(all.subarray(cuts[i - 1], cuts[i]))
        await new Promise((r) => setTimeout(r, 5))
      }
      sock.end()
    })
    sock.on('error', () => {})
  }
  const server = tlsKeys ? createTlsServer(tlsKeys, serve) : createServer(serve)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  fake.port = (server.address() as AddressInfo).port
  return fake
}

/**
 * 40 keys of 1 MB: more than the validator lets its workers fall behind by. With `badType`, an
 * unknown type byte half-way, where the walk stops while the hash is still reading.
 */
function bigRdb(badType = false): Buffer {
  const parts: Buffer[] = []
  const enc = new RdbEncoder({ compress: false, checksum: true, sink: (b) => parts.push(Buffer.from(b)) })
  enc.header()
  enc.selectDb(0)
  for (let i = 0; i < 40; i++) {
    enc.byte(badType && i === 20 ? 0x55 : RDB_TYPE_STRING)
    enc.str(`k${i}`)
    enc.str(randomBytes(1 << 20).toString('latin1'))
  }
  enc.end()
  return Buffer.concat(parts)
}

describe('backup validation', () => {
  it('a stream that is cut, fails its CRC-64 or its structure is refused at backup; damage inside a value is refused at verify', async () => {
    const src = await startServer(['--rdbcompression', 'no'])
    const c = await client(src.port)
    await c.hset('h', 'a', '1', 'b', 'two')
    await c.set('s', 'hello')
    c.disconnect()
    const parts: Buffer[] = []
    for await (const p of (await openRdbTransfer({ host: '127.0.0.1', port: src.port })).chunks) parts.push(p)
    await src.close()
    const good = Buffer.concat(parts)
    const h = parseRdbBuffer(good).events.find((e) => e.kind === 'key' && e.key === 'h')!
    expect(h).toMatchObject({ rdbType: 16 })
    // The listpack: after the type byte, the key's length byte, the key and the blob's length byte.
    const lp = (h as { offset: number }).offset + 4
    const fixed = (edit: (b: Buffer) => void) => {
      const b = Buffer.from(good)
      edit(b)
      crc64(b.subarray(0, b.length - 8))
        .bytes()
        .copy(b, b.length - 8)
      return b
    }
    const fake = await fakePrimary()
    const rr = rig()
    const conn = rr.addServer('fake', fake.port)
    const local = rr.localTarget()
    const refused: [Buffer, RegExp][] = [
      [Buffer.concat([good.subarray(0, -1), Buffer.from([good.at(-1)! ^ 1])]), /Invalid RDB: RDB checksum mismatch/],
      [good.subarray(0, good.length - 10), /Invalid RDB: unexpected end of file/],
      [
        fixed((b) => b.writeUInt32LE(b.readUInt32LE(lp) + 1, lp)),
        /Invalid RDB: corrupt listpack: header says \d+ bytes but the blob has \d+ \(at byte \d+\)/,
      ],
    ]
    for (const [payload, why] of refused) {
      fake.payload = payload
      await expect(rr.backups.start(conn, local).done).rejects.toThrow(why)
    }
    expect(rr.backups.catalog.backups().map((b) => b.status)).toEqual(['failed', 'failed', 'failed'])
    expect(await rr.backups.store(local).list()).toEqual([])
    // A bad entry encoding inside the listpack passes the structure walk; restore's full parse refuses it.
    fake.payload = fixed((b) => (b[lp + 6] = 0xf5))
    const e = await rr.backups.start(conn, local).done
    expect(e).toMatchObject({ status: 'good', keys: { '0': 2 }, sha256: sha(fake.payload) })
    const restore = rr.restore()
    const v = await restore.open({ kind: 'backup', id: e.id })
    expect(v).toMatchObject({ phase: 'invalid', verify: { shaMatch: true } })
    expect(v.error).toMatch(/Invalid RDB: corrupt listpack: .*invalid entry encoding byte 0xf5/)
    await restore.closeAll()
    // The diskless form with the end mark cut across reads, one byte into it and mid-way.
    fake.payload = good
    for (const cuts of [
      [good.length - 30, good.length + 1],
      [5, good.length - 1, good.length + 20],
    ]) {
      fake.eofCuts = cuts
      const d = await rr.backups.start(conn, local).done
      expect(d.sha256).toBe(sha(good))
      expect((await objectBytes(rr, local, d.key)).equals(good)).toBe(true)
    }
    rr.close()
    await fake.close()
  })

  it('reads of a few bytes (a server relaying through a pipe) still come out as whole shared blocks', async () => {
    const fake = await fakePrimary()
    fake.payload = randomBytes(3 << 20)
    const n = fake.payload.length
    // Tiny pieces at the start, in the middle and up to the mark, the last one inside it.
    fake.eofCuts = [3, 7, 8, 50, 51, 1 << 20, (1 << 20) + 2, (2 << 20) + 1, n - 5, n - 1, n + 3]
    const t = await openRdbTransfer({ host: '127.0.0.1', port: fake.port })
    const parts: Buffer[] = []
    for await (const c of t.chunks) parts.push(c)
    expect(Buffer.concat(parts).equals(fake.payload)).toBe(true)
    expect(parts.every((c) => c.buffer instanceof SharedArrayBuffer)).toBe(true)
    // The handshake replies took the start of the first block: 3 MB span four blocks.
    expect(parts.length).toBe(4)
    await fake.close()
  })

  it('the next transfer reads into the blocks the last one gave back', async () => {
    const fake = await fakePrimary()
    fake.payload = randomBytes(3 << 20)
    fake.eofCuts = [100_000, 2 << 20]
    const given = new Set<ArrayBufferLike>()
    const t1 = await openRdbTransfer({ host: '127.0.0.1', port: fake.port })
    const parts: Buffer[] = []
    for await (const c of t1.chunks) parts.push(c)
    for (const c of parts) {
      t1.reuse(c)
      if (c.byteOffset + c.length === c.buffer.byteLength) given.add(c.buffer)
    }
    expect(given.size).toBeGreaterThanOrEqual(2)
    const t2 = await openRdbTransfer({ host: '127.0.0.1', port: fake.port })
    const again: Buffer[] = []
    for await (const c of t2.chunks) again.push(c)
    expect(Buffer.concat(again).equals(fake.payload)).toBe(true)
    expect(again.filter((c) => given.has(c.buffer)).length).toBeGreaterThanOrEqual(2)
    await fake.close()
  })

  it('a TLS transfer comes out in the same shared-memory blocks, byte for byte', async () => {
    if (!requireProgram('openssl')) return
    const dir = mkdtempSync(join(tmpdir(), 'strata-tls-'))
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
      ]),
      { stdio: 'ignore' },
    )
    const fake = await fakePrimary({ key: readFileSync(key), cert: readFileSync(cert) })
    fake.payload = randomBytes(3 << 20)
    for (const cuts of [null, [100, fake.payload.length + 3]]) {
      fake.eofCuts = cuts
      const t = await openRdbTransfer({
        host: '127.0.0.1',
        port: fake.port,
        tls: { ca: readFileSync(cert), servername: '127.0.0.1', checkServerIdentity: () => undefined },
      })
      const parts: Buffer[] = []
      for await (const c of t.chunks) parts.push(c)
      expect(parts.every((c) => c.buffer instanceof SharedArrayBuffer && c.length <= 1 << 20)).toBe(true)
      expect(Buffer.concat(parts).equals(fake.payload)).toBe(true)
    }
    await fake.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a 40 MB backup lands byte for byte while the blocks it was read into are read into again', async () => {
    const fake = await fakePrimary()
    const rr = rig()
    const conn = rr.addServer('fake', fake.port)
    const local = rr.localTarget()
    fake.payload = bigRdb()
    for (const cuts of [[], null]) {
      fake.eofCuts = cuts
      const e = await rr.backups.start(conn, local).done
      expect(e).toMatchObject({ status: 'good', keys: { '0': 40 }, sha256: sha(fake.payload) })
      expect((await objectBytes(rr, local, e.key)).equals(fake.payload)).toBe(true)
    }
    rr.close()
    await fake.close()
  })

  it('walks and hashes a stream on two workers, holding the producer while either is far behind', async () => {
    const rdb = bigRdb()
    for (const [what, stream] of [
      ['valid', rdb],
      ['corrupt', bigRdb(true)],
    ] as const) {
      const v = new StreamValidator(WORKER, { structure: true }, true)
      let held = 0
      for (let at = 0; at < stream.length; at += 1 << 20) {
        const wait = v.push(stream.subarray(at, at + (1 << 20)))
        if (wait) {
          held++
          await wait
        }
      }
      if (what === 'valid') {
        expect(held).toBeGreaterThan(0)
        expect(await v.end()).toMatchObject({ keys: 40, checksum: 'ok', sha256: sha(rdb) })
      }
      // The hashing worker is stopped along with the walk that refused the stream.
      else await expect(v.end()).rejects.toThrow(/Invalid RDB: unknown value type 85 \(0x55\)/)
    }
  })
})

describe('retention policy', () => {
  it('keeps the last N plus the newest per day, ISO week and month', () => {
    const at = (iso: string) => Date.parse(iso)
    const list = [
      '2026-03-01T10:00Z',
      '2026-03-01T09:00Z',
      '2026-02-28T23:00Z',
      '2026-02-23T01:00Z',
      '2026-02-22T23:00Z',
      '2026-01-15T00:00Z',
    ].map((t, i) => ({ id: String(i), created: at(t) }))
    const del = (p: Partial<Parameters<typeof expired>[1]>) =>
      expired(list, { keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, ...p }).map((b) => b.id)
    expect(del({})).toEqual([])
    expect(del({ keepLast: 2 })).toEqual(['2', '3', '4', '5'])
    expect(del({ keepDaily: 2 })).toEqual(['1', '3', '4', '5'])
    // 2026-03-01 is a Sunday (week 09), 02-23 a Monday (week 09), 02-22 a Sunday (week 08).
    expect(isoWeek(at('2026-02-23T01:00Z'))).toBe('2026-W09')
    expect(isoWeek(at('2026-02-22T23:00Z'))).toBe('2026-W08')
    expect(del({ keepWeekly: 2 })).toEqual(['1', '2', '3', '5'])
    expect(del({ keepMonthly: 5 })).toEqual(['1', '3', '4'])
  })
})

describe.skipIf(!hasRedis)('restores between the engine and real redis-server', () => {
  let redis: RealRedis
  let engine: TestServer
  let r: Rig

  beforeAll(async () => {
    redis = await startRealRedis(['--repl-diskless-sync-delay', '0', '--requirepass', 'pw'])
    engine = await startServer()
    r = rig()
  })
  afterAll(async () => {
    r?.close()
    await engine?.close()
    await redis?.close()
  })

  it('a PSYNC backup of real redis-server restores into the engine with identical data, and vice versa', async () => {
    const real = new Redis({ port: redis.port, password: 'pw', lazyConnect: true, protocol: 2 })
    await real.connect()
    await fill(real, 'real')
    const realId = r.conns.save({
      name: 'real',
      host: '127.0.0.1',
      port: redis.port,
      password: 'pw',
      db: 0,
      separator: ':',
      tls: { enabled: false, rejectUnauthorized: true },
    }).id
    // The handshake goes in one write: a wrong password is still reported as such.
    await expect(openRdbTransfer({ host: '127.0.0.1', port: redis.port, password: 'wrong' })).rejects.toThrow(
      /Authentication failed: WRONGPASS/,
    )
    const engineId = r.addServer('engine', engine.port)
    const local = r.localTarget()
    const restore = r.restore()
    const eng = await client(engine.port)
    await fill(eng, 'old-engine')

    const fromReal = await r.backups.start(realId, local).done
    expect(fromReal.keys).toEqual({ '0': 209, '3': 2 })
    const s1 = await restore.open({ kind: 'backup', id: fromReal.id })
    expect(s1).toMatchObject({ phase: 'verified', verify: { shaMatch: true, checksum: 'ok', parsed: true } })
    restore.run(s1.session, { conn: engineId, mode: 'replace', pattern: '*', dbs: [] })
    const done1 = await until(
      () => restore.status(s1.session),
      (s) => !['safety', 'restoring', 'checking'].includes(s.phase),
    )
    expect(done1.error).toBeNull()
    expect(done1).toMatchObject({ phase: 'done', check: { ok: true } })
    expect(done1.check!.samples).toBeGreaterThan(50)
    expect(await snapshot(eng)).toEqual(await snapshot(real))

    // And back: the engine's data (changed) into real redis.
    await eng.set('engine:only', 'yes')
    await eng.del('real:s:0')
    const fromEngine = await r.backups.start(engineId, local).done
    const s2 = await restore.open({ kind: 'backup', id: fromEngine.id })
    restore.run(s2.session, { conn: realId, mode: 'replace', pattern: '*', dbs: [] })
    const done2 = await until(
      () => restore.status(s2.session),
      (s) => !['safety', 'restoring', 'checking'].includes(s.phase),
    )
    expect(done2).toMatchObject({ phase: 'done', check: { ok: true } })
    expect(await snapshot(real)).toEqual(await snapshot(eng))
    expect(await real.get('engine:only')).toBe('yes')

    // Roll-back puts real redis back exactly as it was before that restore.
    const rolled = await restore.rollback(s2.session)
    expect(rolled).toMatchObject({ phase: 'rolled-back' })
    expect(await real.exists('engine:only')).toBe(0)
    expect(await real.get('real:s:0')).toBe('v0-real')
    eng.disconnect()
    real.disconnect()
    await restore.closeAll()
  })

  it('merge modes keep or replace existing keys, and a pattern and db filter limit the restore', async () => {
    const real = new Redis({ port: redis.port, password: 'pw', lazyConnect: true, protocol: 2 })
    await real.connect()
    await real.flushall()
    await fill(real, 'm', 20)
    const realId = r.conns.list().find((c) => c.name === 'real')!.id
    const engineId = r.conns.list().find((c) => c.name === 'engine')!.id
    const eng = await client(engine.port)
    await eng.flushall()
    await eng.set('m:s:0', 'engine value')
    await eng.set('keep:me', '1')
    const local = r.backups.targets().find((t) => t.kind === 'local')!.id
    const b = await r.backups.start(realId, local).done
    const restore = r.restore()
    const run = async (mode: 'merge-keep' | 'merge-replace' | 'replace', pattern = '*', dbs: number[] = []) => {
      const s = await restore.open({ kind: 'backup', id: b.id })
      restore.run(s.session, { conn: engineId, mode, pattern, dbs })
      return until(
        () => restore.status(s.session),
        (x) => !['safety', 'restoring', 'checking'].includes(x.phase),
      )
    }
    expect(await run('merge-keep')).toMatchObject({ phase: 'done', check: { ok: true } })
    expect(await eng.get('m:s:0')).toBe('engine value')
    expect(await eng.get('keep:me')).toBe('1')
    expect(await eng.get('m:s:1')).toBe('v1-m')
    expect(await run('merge-replace')).toMatchObject({ phase: 'done', check: { ok: true } })
    expect(await eng.get('m:s:0')).toBe('v0-m')
    await eng.flushall()
    await eng.set('m:s:0', 'engine value')
    await eng.set('keep:me', '1')
    expect(await run('replace', 'm:s:*', [0])).toMatchObject({ phase: 'done', check: { ok: true } })
    expect(await eng.get('m:s:0')).toBe('v0-m')
    expect(await eng.get('keep:me')).toBe('1')
    expect(await eng.exists('m:h')).toBe(0)
    await eng.select(3)
    expect(await eng.dbsize()).toBe(0)
    eng.disconnect()
    real.disconnect()
    await restore.closeAll()
  })
})

describe('the embedded engine', () => {
  let r: Rig
  let host: EngineHost
  let source: TestServer

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-embedded-'))
    host = new EngineHost({
      dataDir: dir,
      serverScript: SERVER,
      launcher: forkLauncher(join(dir, 'engine.log')),
      onStatus: () => {},
      onNotice: () => {},
    })
    await host.start()
    r = rig({ engine: () => host.status().port })
    source = await startServer()
  })
  afterAll(async () => {
    await host?.stop()
    r?.close()
    await source?.close()
  })

  it('a restore swaps the data files and roll-back returns the exact previous dataset', async () => {
    const emb = await client(host.status().port!)
    await fill(emb, 'previous')
    await emb.set('only:before', 'x', 'PX', 5_000_000)
    const before = await snapshot(emb)
    const src = await client(source.port)
    await fill(src, 'incoming', 500)
    const sourceId = r.addServer('source', source.port)
    const local = r.localTarget()
    const b = await r.backups.start(sourceId, local).done
    const restore = r.restore(host)
    const s = await restore.open({ kind: 'backup', id: b.id })
    restore.run(s.session, { conn: 'embedded', mode: 'replace', pattern: '*', dbs: [] })
    const done = await until(
      () => restore.status(s.session),
      (x) => !['safety', 'restoring', 'checking'].includes(x.phase),
    )
    expect(done.error).toBeNull()
    expect(done).toMatchObject({ phase: 'done', check: { ok: true } })
    const after = await client(host.status().port!)
    expect(await snapshot(after)).toEqual(await snapshot(src))
    expect(r.backups.catalog.restores()[0]).toMatchObject({
      status: 'done',
      conn: 'embedded',
      safetyBackup: done.safetyBackup,
    })
    const rolled = await restore.rollback(s.session)
    expect(rolled.phase).toBe('rolled-back')
    const again = await client(host.status().port!)
    expect(await snapshot(again)).toEqual(before)
    const audit = r.audit.list('embedded', 10)
    expect(audit.map((e) => [e.action, e.outcome])).toEqual([
      ['rollback', 'ok'],
      ['restore', 'ok'],
    ])
    expect(audit[1].detail).toContain(`safety backup ${done.safetyBackup}`)
    for (const c of [emb, src, after, again]) c.disconnect()
    await restore.closeAll()
  })

  it('opens a backup offline: the memory report covers the whole file and writes are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-offline-'))
    const src = await client(source.port)
    await src.flushall()
    await fill(src, 'off', 100)
    await src.set('off:big', randomBytes(100_000))
    await src.save()
    src.disconnect()
    const off = new OfflineService(
      r.conns,
      (d) =>
        new EngineHost({
          dataDir: d,
          serverScript: SERVER,
          launcher: forkLauncher(join(d, 'log')),
          onStatus: () => {},
          onNotice: () => {},
        }),
      WORKER,
      dir,
    )
    const { conn, summary } = await off.open(join(source.dir, 'dump.rdb'))
    expect(summary.keys).toBe(112)
    expect(summary.report!.top[0]).toMatchObject({ key: 'off:big', type: 'string' })
    expect(summary.report!.prefixes[0]).toMatchObject({ prefix: 'off:' })
    expect(Object.keys(summary.report!.types).sort()).toEqual(['hash', 'list', 'set', 'string', 'zset'])
    expect(r.conns.isReadOnly(conn)).toBe(true)
    const c = await r.conns.client(conn, 0)
    expect(await c.get('off:s:7')).toBe('v7-off')
    await off.close(conn)
    expect(r.conns.list().some((x) => x.id === conn)).toBe(false)
    rmSync(dir, { recursive: true, force: true })
  })
})

describe('sanity of the target helpers', () => {
  it('a local target never shows a partial object, also past its background flushes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-target-'))
    const t = openTarget({ kind: 'local', path: dir })
    async function* failing() {
      yield Buffer.from('part')
      throw new Error('boom')
    }
    await expect(t.write('a/b.rdb', failing())).rejects.toThrow('boom')
    expect(await t.list()).toEqual([])
    // Past the size at which written data is flushed in the background: whole, or nothing.
    const big = randomBytes(20 << 20)
    async function* blocks(failAt = -1) {
      for (let at = 0; at < big.length; at += 1 << 20) {
        if (at === failAt) throw new Error('cut')
        yield big.subarray(at, at + (1 << 20))
      }
    }
    await expect(t.write('a/c.rdb', blocks(12 << 20))).rejects.toThrow('cut')
    expect(await t.list()).toEqual([])
    await t.write('a/c.rdb', blocks())
    expect(readFileSync(join(dir, 'a', 'c.rdb')).equals(big)).toBe(true)
    expect((await t.list()).map((o) => o.key)).toEqual(['a/c.rdb'])
    // A companion (a backup's sidecar) lands with its object, and a companion that fails takes
    // the object with it.
    await expect(
      t.write('a/d.rdb', blocks(), undefined, () => {
        throw new Error('not validated')
      }),
    ).rejects.toThrow('not validated')
    await expect(
      t.write('a/d.rdb', blocks(), undefined, () => ({ key: 'a/d\0.json', data: Buffer.from('{}') })),
    ).rejects.toThrow()
    expect((await t.list()).map((o) => o.key)).toEqual(['a/c.rdb'])
    await t.write('a/d.rdb', blocks(), undefined, () => ({ key: 'a/d.json', data: Buffer.from('{"ok":1}') }))
    expect((await t.list()).map((o) => o.key).sort()).toEqual(['a/c.rdb', 'a/d.json', 'a/d.rdb'])
    expect(readFileSync(join(dir, 'a', 'd.json'), 'utf8')).toBe('{"ok":1}')
    rmSync(dir, { recursive: true, force: true })
  })
})
