// The metrics collector against a real engine (in-process startServer) and a real redis-server:
// exact rates from counters, honest across a restart and CONFIG RESETSTAT (a gap and an event,
// never a negative or giant spike), a dead server as a gap that doesn't stall the tick, and the
// history surviving a restart of the collector. Time is injected (one fake second per tick).

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { requireProgram, startRealRedis, startServer } from '../../../engine/test/helpers.js'
import type { Events, MetricName } from '../../api/contract.js'
import { HistoryStore } from '../../db/history.js'
import { Collector } from './collector.js'

const hasRedis = requireProgram('redis-server')
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function tmpStore(dir = mkdtempSync(join(tmpdir(), 'strata-metrics-'))) {
  const file = join(dir, 'history.sqlite')
  const store = new HistoryStore(file)
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return { store, file, dir }
}

interface Target {
  port: number
  restart(): Promise<void>
  close(): Promise<void>
}

async function engineTarget(): Promise<Target> {
  let s = await startServer()
  const port = s.port
  return {
    port,
    async restart() {
      await s.close()
      s = await startServer(['--port', String(port)])
    },
    close: () => s.close(),
  }
}

async function redisTarget(): Promise<Target> {
  let r = await startRealRedis()
  const port = r.port
  return {
    port,
    async restart() {
      await r.close()
      r = await startRealRedis(['--port', String(port)])
    },
    close: () => r.close(),
  }
}

function makeCollector(store: HistoryStore, ports: Record<string, number>, timeoutMs = 800) {
  let now = Date.UTC(2026, 0, 1, 12, 0, 0)
  const emitted: { event: keyof Events; payload: unknown }[] = []
  const collector = new Collector({
    store,
    open: async (conn) => {
      const c = new Redis({ port: ports[conn], host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 })
      c.on('error', () => {})
      await c.connect()
      return c
    },
    emit: (event, payload) => emitted.push({ event, payload }),
    timeoutMs,
    clock: () => now,
  })
  cleanups.push(() => collector.stop())
  return {
    collector,
    emitted,
    advance: (ms = 1000) => (now += ms),
    now: () => now,
  }
}

type RawRow = Record<MetricName, number | null> & { ts: number }
const rawRows = (store: HistoryStore, conn: string) =>
  store.db.prepare('SELECT * FROM raw WHERE conn = ? ORDER BY ts').all(conn) as RawRow[]

/**
 * GETs that hit and miss between two ticks one fake second apart: hits/s and misses/s are exact,
 * and so is the hit ratio; ops/s counts them plus the collector's previous INFO.
 */
async function trafficTick(c: Redis, t: ReturnType<typeof makeCollector>, hits: number, misses: number) {
  const p = c.pipeline()
  for (let i = 0; i < hits; i++) p.get('present')
  for (let i = 0; i < misses; i++) p.get(`absent:${i}`)
  await p.exec()
  t.advance()
  await t.collector.tick()
}

async function counterResetScenario(target: Target) {
  const { store } = tmpStore()
  const t = makeCollector(store, { s: target.port })
  t.collector.watch('s')
  const writer = () => {
    const c = new Redis({ port: target.port, host: '127.0.0.1', maxRetriesPerRequest: 1 })
    c.on('error', () => {})
    return c
  }
  let c = writer()
  await c.set('present', 'x')
  await t.collector.tick()
  await trafficTick(c, t, 30, 10)
  // Traffic, then the server restarts: every counter starts again from 0.
  await trafficTick(c, t, 5, 5)
  c.disconnect()
  await target.restart()
  c = writer()
  await c.set('present', 'x')
  // The collector's old connection is dead: the first poll fails or reconnects to the new run.
  for (let i = 0; i < 3; i++) {
    t.advance()
    await t.collector.tick()
  }
  await trafficTick(c, t, 12, 4)
  c.disconnect()

  const rows = rawRows(store, 's')
  const events = store.events('s', 0, Number.MAX_SAFE_INTEGER)
  expect(events.map((e) => e.kind)).toContain('restart')
  const restartAt = events.find((e) => e.kind === 'restart')!.ts
  const first = rows.find((r) => r.hits === 30)!
  expect(first).toMatchObject({ hits: 30, misses: 10, hit_ratio: 0.75 })
  expect(first.ops).toBeGreaterThanOrEqual(41) // 40 GETs + the previous INFO (+ SET)
  expect(first.ops).toBeLessThanOrEqual(42)
  // The sample that saw the restart has no rates at all: a gap, not a negative or giant value.
  const atRestart = rows.find((r) => r.ts === restartAt)!
  for (const m of ['ops', 'hits', 'misses', 'net_in', 'net_out', 'evicted', 'expired'] as const)
    expect(atRestart[m]).toBeNull()
  for (const r of rows)
    for (const m of ['ops', 'hits', 'misses', 'net_in', 'net_out', 'evicted', 'expired'] as const) {
      if (r[m] === null) continue
      expect(r[m]).toBeGreaterThanOrEqual(0)
      expect(r[m]).toBeLessThan(1_000_000)
    }
  // After the restart the rates are exact again.
  expect(rows.at(-1)).toMatchObject({ hits: 12, misses: 4, hit_ratio: 0.75 })

  // CONFIG RESETSTAT: same run, counters drop → a stats-reset event and no rates for that sample.
  c = writer()
  await trafficTick(c, t, 3, 1)
  await c.config('RESETSTAT')
  t.advance()
  await t.collector.tick()
  await trafficTick(c, t, 7, 1)
  c.disconnect()
  const after = store.events('s', 0, Number.MAX_SAFE_INTEGER)
  const reset = after.find((e) => e.kind === 'stats-reset')
  expect(reset).toBeDefined()
  const rows2 = rawRows(store, 's')
  expect(rows2.find((r) => r.ts === reset!.ts)?.hits).toBeNull()
  expect(rows2.at(-1)).toMatchObject({ hits: 7, misses: 1, hit_ratio: 0.875 })
  // The live stream carried every point, and the restart/reset events.
  const ticks = t.emitted.filter((e) => e.event === 'metrics.tick')
  expect(ticks.length).toBeGreaterThanOrEqual(rows2.length)
  expect(t.emitted.filter((e) => e.event === 'metrics.event').map((e) => (e.payload as { kind: string }).kind)).toEqual(
    expect.arrayContaining(['restart', 'stats-reset']),
  )
}

describe('metrics collector', () => {
  it('derives exact rates across an engine restart and CONFIG RESETSTAT', async () => {
    const target = await engineTarget()
    cleanups.push(() => target.close())
    await counterResetScenario(target)
  })

  it.skipIf(!hasRedis)('derives exact rates across a redis-server restart and CONFIG RESETSTAT', async () => {
    const target = await redisTarget()
    cleanups.push(() => target.close())
    await counterResetScenario(target)
  })

  it.skipIf(!hasRedis)('reads redis-server memory, keys per db and persistence state, and sees BGSAVE', async () => {
    const target = await redisTarget()
    cleanups.push(() => target.close())
    const { store } = tmpStore()
    const t = makeCollector(store, { r: target.port })
    t.collector.watch('r')
    const c = new Redis({ port: target.port, host: '127.0.0.1' })
    cleanups.push(() => c.disconnect())
    await c.config('SET', 'maxmemory', '100mb')
    await c.mset('a', '1', 'b', '2')
    await c.select(2)
    await c.set('c', '3')
    await t.collector.tick()
    await c.bgsave()
    while (Number(/rdb_bgsave_in_progress:(\d)/.exec(await c.info('persistence'))![1])) await c.ping()
    t.advance()
    await t.collector.tick()
    const rows = rawRows(store, 'r')
    expect(rows[0].maxmemory).toBe(100 * 1024 * 1024)
    expect(rows[0].mem_used).toBeGreaterThan(100_000)
    expect(rows[0].keys).toBe(3)
    expect(rows[0].changes).toBe(3)
    expect(rows[1].changes).toBe(0)
    const h = store.history('r', t.now() - 60_000, t.now() + 1, 100, t.now())
    expect(h.dbKeys).toEqual({ 0: [2, 2], 2: [1, 1] })
    // The save finished between two polls: it's on the timeline.
    expect(store.events('r', 0, t.now()).map((e) => e.kind)).toContain('save')
    expect(t.collector.status('r')).toMatchObject({ rdb: { lastStatus: 'ok', changes: 0 }, policy: 'noeviction' })
  })

  it('shows a dead server as a gap without stalling the other connections', async () => {
    const target = await engineTarget()
    cleanups.push(() => target.close())
    // Accepts connections and never answers.
    const sockets: Socket[] = []
    const silent: NetServer = createServer((sock) => void sockets.push(sock))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const sock of sockets) sock.destroy()
          silent.close(() => r())
        }),
    )
    const { store } = tmpStore()
    const t = makeCollector(store, { ok: target.port, dead: (silent.address() as { port: number }).port }, 300)
    t.collector.watch('ok')
    t.collector.watch('dead')
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      await t.collector.tick()
      expect(performance.now() - t0).toBeLessThan(1000)
      t.advance()
    }
    expect(rawRows(store, 'ok')).toHaveLength(3)
    expect(rawRows(store, 'dead')).toHaveLength(0)
    // One connection attempt hangs; the collector waits on it instead of opening one per tick.
    expect(sockets).toHaveLength(1)
    // One 'unreachable' event, not one per failed poll; each tick reported the gap live.
    expect(store.events('dead', 0, t.now()).map((e) => e.kind)).toEqual(['unreachable'])
    const gaps = t.emitted.filter((e) => e.event === 'metrics.tick' && (e.payload as { conn: string }).conn === 'dead')
    expect(gaps).toHaveLength(3)
    expect(gaps[0].payload).toMatchObject({ point: null, error: expect.stringMatching(/longer than 300 ms/) })
  })

  it('keeps the history and the watched connections across a restart of the collector', async () => {
    const target = await engineTarget()
    cleanups.push(() => target.close())
    const { store, dir } = tmpStore()
    const t = makeCollector(store, { e: target.port })
    t.collector.watch('e')
    for (let i = 0; i < 5; i++) {
      await t.collector.tick()
      t.advance()
    }
    t.collector.record('e', {
      ts: t.now(),
      kind: 'config',
      detail: { param: 'appendfsync', from: 'everysec', to: 'always' },
    })
    await t.collector.stop()
    store.close()

    const reopened = new HistoryStore(join(dir, 'history.sqlite'))
    cleanups.push(() => reopened.close())
    expect(reopened.watched()).toEqual(['e'])
    const t2 = makeCollector(reopened, { e: target.port })
    t2.collector.start()
    expect(t2.collector.watching()).toEqual(['e'])
    const h = reopened.history('e', t.now() - 60_000, t.now() + 1, 1000, t.now())
    expect(h.ts).toHaveLength(5)
    expect(h.avg.keys.every((k) => k === 0)).toBe(true)
    expect(h.events.map((e) => e.kind)).toEqual(['config'])
  })
})
