import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { METRICS, type History, type LivePoint, type MetricName } from '../../../main/api/contract'
import { setApi } from '../api/client'
import { fakeApi } from '../api/fake'
import { RANGES, useMetricsStore } from './metrics'

function history(conn: string, ts: number[]): History {
  const avg = Object.fromEntries(METRICS.map((m) => [m.name, ts.map(() => 1)])) as Record<MetricName, number[]>
  return { conn, resolution: 1, ts, avg, dbKeys: { 0: ts.map(() => 3) }, events: [], status: null }
}

function setup() {
  const fake = fakeApi({
    'metrics.watch': () => ({ watching: true }),
    'metrics.history': (a) => history(a.conn, [a.to - 2000, a.to - 1000]),
    'persistence.run': (a) => ({
      action: a.action,
      ok: true,
      message: a.action === 'save' ? 'OK' : 'Background saving started',
      durationMs: a.action === 'save' ? 12 : null,
      sizeBytes: null,
      file: null,
    }),
    'audit.list': () => [],
  })
  setApi(fake.api)
  return fake
}

describe('metrics store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('loads the range, then hands live points of its connection to the charts', async () => {
    const fake = setup()
    const m = useMetricsStore()
    await m.open('c1')
    expect(fake.calls.map((c) => c.method)).toEqual(['metrics.watch', 'metrics.history'])
    expect(m.history?.ts).toHaveLength(2)
    const gen = m.generation
    const seen: LivePoint[] = []
    m.onPoint((p) => seen.push(p))
    const point = { ts: Date.now(), values: METRICS.map(() => 2), dbKeys: { 0: 4 } }
    fake.emit('metrics.tick', { conn: 'other', point, status: null })
    fake.emit('metrics.tick', { conn: 'c1', point, status: null })
    fake.emit('metrics.tick', { conn: 'c1', point: null, status: null, error: 'INFO took longer than 800 ms' })
    expect(seen).toEqual([point])
    expect(m.lastError).toMatch(/longer than/)
    // Live points don't replace the history (charts append them): no rebuild.
    expect(m.generation).toBe(gen)
    fake.emit('metrics.event', { id: 1, conn: 'c1', ts: point.ts, kind: 'bgsave-start', detail: {} })
    expect(m.events.map((e) => e.kind)).toEqual(['bgsave-start'])
    await m.setRange(RANGES[7].ms)
    const last = fake.calls.at(-1)!.args as { from: number; to: number }
    expect(last.to - last.from).toBe(365 * 86_400_000)
    expect(m.generation).toBe(gen + 1)
  })

  it('keeps a background job running until its outcome arrives', async () => {
    const fake = setup()
    const m = useMetricsStore()
    await m.open('c1')
    await m.run('bgsave')
    expect(m.running).toBe('bgsave')
    expect(m.outcome).toBeNull()
    fake.emit('persistence.outcome', {
      conn: 'c1',
      action: 'bgsave',
      ok: true,
      message: 'Background save finished',
      durationMs: 1200,
      sizeBytes: 10,
      file: '/d/dump.rdb',
    })
    expect(m.running).toBeNull()
    expect(m.outcome).toMatchObject({ ok: true, durationMs: 1200 })
    await m.run('save')
    expect(m.outcome).toMatchObject({ action: 'save', message: 'OK' })
  })
})
