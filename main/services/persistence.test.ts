// The persistence service against a real redis-server, with the collector polling it: SAVE with
// its outcome and file size, BGSAVE and BGREWRITEAOF ending through the INFO the collector sees,
// the busy guard, CONFIG SET + REWRITE (and its refusal without a config file), readable errors,
// and the audit log for those actions and for key deletes and CLI flushes.

import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireProgram, startRealRedis, type RealRedis } from '../../engine/test/helpers.js'
import type { Events } from '../api/contract.js'
import { HistoryStore } from '../db/history.js'
import { AuditLog, redactCommand } from './audit.js'
import { CliService } from './cli.js'
import type { Connections } from './connections.js'
import { KeyService } from './keys.js'
import { Collector } from './metrics/collector.js'
import { PersistenceService, busyReason, explainError } from './persistence.js'

const hasRedis = requireProgram('redis-server')

describe.skipIf(!hasRedis)('persistence service on redis-server', () => {
  let server: RealRedis
  let client: Redis
  let store: HistoryStore
  let collector: Collector
  let svc: PersistenceService
  let audit: AuditLog
  const dir = mkdtempSync(join(tmpdir(), 'strata-persist-'))
  const emitted: { event: keyof Events; payload: unknown }[] = []
  const clients: Redis[] = []
  const open = async () => {
    const c = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 })
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    server = await startRealRedis()
    client = await open()
    store = new HistoryStore(join(dir, 'history.sqlite'))
    audit = new AuditLog(store)
    collector = new Collector({ store, open, emit: (event, payload) => emitted.push({ event, payload }) })
    svc = new PersistenceService({
      client: async () => client,
      collector,
      audit,
      emit: (event, payload) => emitted.push({ event, payload }),
      isLocal: () => true,
    })
    collector.watch('r')
    await collector.tick()
  })

  afterAll(async () => {
    await collector.stop()
    for (const c of clients) c.disconnect()
    store.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const outcomes = () => emitted.filter((e) => e.event === 'persistence.outcome').map((e) => e.payload)

  it('runs SAVE and reports its duration and the file size', async () => {
    await client.mset('a', '1', 'b', '2')
    const r = await svc.run('r', 'save')
    const [, rdbDir] = (await client.config('GET', 'dir')) as string[]
    expect(r).toMatchObject({ action: 'save', ok: true, message: 'OK', file: join(rdbDir, 'dump.rdb') })
    expect(r.sizeBytes).toBe(statSync(r.file!).size)
    expect(r.durationMs).toBeGreaterThanOrEqual(0)
  })

  it('ends BGSAVE and BGREWRITEAOF through what the collector sees in INFO', async () => {
    const r = await svc.run('r', 'bgsave')
    expect(r).toMatchObject({ ok: true, message: 'Background saving started', durationMs: null })
    for (let i = 0; i < 50 && outcomes().length === 0; i++) {
      await new Promise((res) => setTimeout(res, 50))
      await collector.tick()
    }
    expect(outcomes()).toEqual([
      expect.objectContaining({ conn: 'r', action: 'bgsave', ok: true, message: 'Background save finished' }),
    ])
    const rw = await svc.run('r', 'bgrewriteaof')
    expect(rw.ok).toBe(true)
    for (let i = 0; i < 50 && outcomes().length === 1; i++) {
      await new Promise((res) => setTimeout(res, 50))
      await collector.tick()
    }
    expect(outcomes()[1]).toMatchObject({ action: 'bgrewriteaof', ok: true, file: join(server.dir, 'appendonlydir') })
    // The appendonlydir's files (base + manifest).
    expect((outcomes()[1] as { sizeBytes: number }).sizeBytes).toBeGreaterThan(0)
    const actions = audit.list('r', 50).map((a) => `${a.action}:${a.outcome}`)
    expect(actions).toEqual(
      expect.arrayContaining(['save:ok', 'bgsave-start:ok', 'bgsave:ok', 'bgrewriteaof-start:ok', 'bgrewriteaof:ok']),
    )
  })

  it('applies config with CONFIG SET, says why CONFIG REWRITE failed, and logs both', async () => {
    const r = await svc.setConfig({
      conn: 'r',
      changes: [
        { param: 'appendfsync', value: 'always' },
        { param: 'maxmemory', value: '64mb' },
      ],
      rewrite: true,
    })
    expect(r.applied).toEqual([
      { param: 'appendfsync', from: 'everysec', to: 'always' },
      { param: 'maxmemory', from: '0', to: String(64 * 1024 * 1024) },
    ])
    // startRealRedis gives the server no config file of its own: the rewrite is refused, the values apply.
    expect(r.rewritten).toBe(false)
    expect(r.rewriteError).toMatch(/without a config file/)
    expect(((await client.config('GET', 'appendfsync')) as string[])[1]).toBe('always')
    await expect(
      svc.setConfig({ conn: 'r', changes: [{ param: 'appendfsync', value: 'sometimes' }], rewrite: false }),
    ).rejects.toThrow(/CONFIG SET appendfsync "sometimes" failed: .*argument/i)
    const log = audit.list('r', 50)
    expect(log.filter((a) => a.action === 'config-set').map((a) => a.outcome)).toEqual(['error', 'ok', 'ok'])
    expect(log.find((a) => a.action === 'config-rewrite')).toMatchObject({ outcome: 'error' })
    expect(
      store
        .events('r', 0, Date.now() + 1)
        .filter((e) => e.kind === 'config')
        .map((e) => e.detail.param),
    ).toEqual(expect.arrayContaining(['appendfsync', 'maxmemory']))
  })

  it('audits key deletes, bulk deletes and confirmed CLI flushes, redacting secrets', async () => {
    const conns = { client: async () => client, dedicated: open } as unknown as Connections
    const keys = new KeyService(conns, () => {}, audit)
    await client.mset('k1', '1', 'k2', '2', 'p:1', 'x', 'p:2', 'y')
    expect(await keys.delete({ conn: 'r', db: 0, keys: ['k1', 'k2', 'missing'] })).toBe(2)
    await keys.bulkDelete({ conn: 'r', db: 0, pattern: 'p:*' })
    for (let i = 0; i < 100 && !audit.list('r', 50).some((a) => a.action === 'bulk-delete'); i++)
      await new Promise((res) => setTimeout(res, 20))
    const cli = new CliService(conns, audit)
    expect((await cli.exec({ conn: 'r', db: 0, line: 'FLUSHDB', confirmed: false })).confirm).toBeDefined()
    await cli.exec({ conn: 'r', db: 0, line: 'FLUSHDB', confirmed: true })
    await cli.exec({ conn: 'r', db: 0, line: 'CONFIG SET masterauth s3cret', confirmed: true })
    cli.closeAll()
    const log = audit.list('r', 50)
    expect(log.find((a) => a.action === 'delete')).toMatchObject({ target: 'db0', detail: '2 deleted: k1 k2 missing' })
    expect(log.find((a) => a.action === 'bulk-delete')).toMatchObject({
      detail: 'pattern p:*: 2 deleted',
      outcome: 'ok',
    })
    expect(log.filter((a) => a.action === 'cli:flushdb')).toHaveLength(1)
    expect(log.find((a) => a.action === 'cli:config')?.detail).toBe('CONFIG SET masterauth ***')
    expect(JSON.stringify(log)).not.toContain('s3cret')
  })
})

describe('persistence texts', () => {
  it('turns server and file-system errors into something to act on', () => {
    expect(explainError('MISCONF Redis is configured to save RDB snapshots, …', '/data')).toMatch(
      /last background save failed.*\/data.*stop-writes-on-bgsave-error no/,
    )
    expect(explainError('ERR Background save failed: ENOSPC', '/d')).toMatch(
      /disk holding the data folder \(\/d\) is full/,
    )
    expect(explainError('Failed opening the temp RDB file: Permission denied', '/d')).toMatch(
      /may not write.*permissions/,
    )
    expect(explainError('ERR Background save already in progress', null)).toMatch(/wait for it to finish/)
    expect(redactCommand(['ACL', 'SETUSER', 'bob', 'on', '>pw'])).toBe('ACL SETUSER bob *** ***')
    expect(redactCommand(['SET', 'k', 'a b'])).toBe('SET k "a b"')
  })

  it('says which job blocks the buttons', () => {
    const base = { rdb: { inProgress: false }, aof: { rewriteInProgress: false } }
    type S = Parameters<typeof busyReason>[0]
    expect(busyReason(base as S, 'bgsave')).toBeNull()
    expect(busyReason({ ...base, rdb: { inProgress: true } } as S, 'bgrewriteaof')).toMatch(/BGSAVE is running/)
    expect(busyReason({ ...base, aof: { rewriteInProgress: true } } as S, 'save')).toMatch(/AOF rewrite is running/)
  })
})
