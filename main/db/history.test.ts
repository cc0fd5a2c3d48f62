// The history store: rollups equal the raw samples they summarise (min/avg/max per metric, keys
// per db, nulls ignored), retention deletes exactly the rows past each level's age and nothing
// else, history queries pick the level that holds the range, and the audit log round-trips.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { METRICS, type MetricName } from '../api/contract.js'
import { HOUR, HistoryStore, MINUTE, RETENTION } from './history.js'

const NAMES = METRICS.map((m) => m.name) as MetricName[]
const stores: { store: HistoryStore; dir: string }[] = []
afterEach(() => {
  for (const s of stores.splice(0)) {
    s.store.close()
    rmSync(s.dir, { recursive: true, force: true })
  }
})

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-history-'))
  const store = new HistoryStore(join(dir, 'history.sqlite'))
  stores.push({ store, dir })
  return store
}

/** Deterministic values with nulls in the rate-like columns now and then (gaps, restarts). */
function values(i: number): (number | null)[] {
  return NAMES.map((m, k) => {
    if (['ops', 'hits', 'hit_ratio', 'aof_size'].includes(m) && (i * 7 + k) % 11 === 0) return null
    return ((i * 37 + k * 101) % 997) + (k % 3 === 0 ? 0.25 : 0)
  })
}

type Row = Record<string, number | null> & { ts: number }

function summarise(rows: Row[], col: string) {
  const vs = rows.map((r) => r[col]).filter((v): v is number => v !== null)
  if (!vs.length) return { min: null, avg: null, max: null }
  return { min: Math.min(...vs), avg: vs.reduce((a, b) => a + b, 0) / vs.length, max: Math.max(...vs) }
}

describe('history store', () => {
  it('rolls raw samples up to minutes and hours equal to the raw data they summarise', () => {
    const store = open()
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0)
    // Samples every 5 s for 2 h 10 min, keys in two dbs; each write is one collector tick.
    const end = t0 + 2 * HOUR + 10 * MINUTE
    let i = 0
    for (let ts = t0; ts < end; ts += 5000, i++)
      store.writeTick(
        [{ conn: 'c', ts, values: values(i), dbs: { 0: { keys: i % 50 }, 3: { keys: 1000 + (i % 7) } } }],
        [],
        ts,
      )
    const raw = store.db.prepare('SELECT * FROM raw WHERE conn = ? ORDER BY ts').all('c') as Row[]
    const rawDb = store.db.prepare('SELECT * FROM raw_db WHERE conn = ? ORDER BY ts').all('c') as Row[]
    for (const res of [MINUTE, HOUR]) {
      const rolled = store.db
        .prepare('SELECT * FROM rollup WHERE conn = ? AND res = ? ORDER BY ts')
        .all('c', res) as Row[]
      // Every completed bucket (the last tick's own bucket is still open).
      const last = Math.floor((end - 5000) / res) * res
      expect(rolled.map((r) => r.ts)).toEqual(Array.from({ length: (last - t0) / res }, (_, k) => t0 + k * res))
      for (const r of rolled) {
        const inBucket = raw.filter((x) => x.ts >= r.ts && x.ts < r.ts + res)
        expect(r.n).toBe(inBucket.length)
        for (const m of NAMES) {
          const s = summarise(inBucket, m)
          expect(r[`${m}_min`]).toBe(s.min)
          expect(r[`${m}_max`]).toBe(s.max)
          if (s.avg === null) expect(r[`${m}_avg`]).toBeNull()
          else expect(r[`${m}_avg`]).toBeCloseTo(s.avg, 9)
        }
        const dbRows = store.db
          .prepare('SELECT * FROM rollup_db WHERE conn = ? AND res = ? AND ts = ? ORDER BY db')
          .all('c', res, r.ts) as Row[]
        expect(dbRows.map((d) => d.db)).toEqual([0, 3])
        for (const d of dbRows) {
          const s = summarise(
            rawDb.filter((x) => x.db === d.db && x.ts >= r.ts && x.ts < r.ts + res),
            'keys',
          )
          expect([d.keys_min, d.keys_max]).toEqual([s.min, s.max])
          expect(d.keys_avg).toBeCloseTo(s.avg!, 9)
        }
      }
    }
  })

  it('retention removes exactly the rows past each level’s age', () => {
    const store = open()
    const start = Date.UTC(2025, 0, 1)
    const step = 2 * HOUR + 17 * MINUTE
    let now = start
    for (let i = 0; now < start + 400 * 24 * HOUR; i++, now += step)
      store.writeTick(
        [{ conn: 'c', ts: now, values: values(i), dbs: { 0: { keys: i } } }],
        [{ conn: 'c', event: { ts: now, kind: 'save', detail: { status: 'ok' } } }],
        now,
      )
    const q = {
      raw: "SELECT ts FROM raw WHERE conn = 'c' ORDER BY ts",
      rawDb: "SELECT ts FROM raw_db WHERE conn = 'c' ORDER BY ts",
      minute: `SELECT ts FROM rollup WHERE conn = 'c' AND res = ${MINUTE} ORDER BY ts`,
      hour: `SELECT ts FROM rollup WHERE conn = 'c' AND res = ${HOUR} ORDER BY ts`,
      minuteDb: `SELECT ts FROM rollup_db WHERE conn = 'c' AND res = ${MINUTE} ORDER BY ts`,
      events: "SELECT ts FROM events WHERE conn = 'c' ORDER BY ts",
    }
    const read = () =>
      Object.fromEntries(
        Object.entries(q).map(([k, sql]) => [k, store.db.prepare(sql).pluck().all() as number[]]),
      ) as Record<keyof typeof q, number[]>
    // Retention ran continuously: nothing older than each level's age is left.
    const running = read()
    expect(running.raw[0]).toBeGreaterThanOrEqual(now - step - RETENTION.raw)
    expect(running.minute[0]).toBeGreaterThanOrEqual(now - step - RETENTION.minute - MINUTE)
    expect(running.hour[0]).toBeGreaterThanOrEqual(now - step - RETENTION.hour - HOUR)
    expect(running.hour.length).toBeGreaterThan(3000)

    // A pass at a time that puts rows exactly on each cutoff: those stay, older ones go.
    const before = read()
    const at = before.minute[10] + RETENTION.minute
    expect(before.raw.length).toBeGreaterThan(5)
    store.enforceRetention(at)
    const after = read()
    const keep = (ts: number[], age: number) => ts.filter((t) => t >= at - age)
    expect(after.raw).toEqual(keep(before.raw, RETENTION.raw))
    expect(after.rawDb).toEqual(keep(before.rawDb, RETENTION.raw))
    expect(after.minute).toEqual(before.minute.slice(10))
    expect(after.minuteDb).toEqual(keep(before.minuteDb, RETENTION.minute))
    expect(after.hour).toEqual(keep(before.hour, RETENTION.hour))
    expect(after.events).toEqual(keep(before.events, RETENTION.events))
    expect(after.hour.length).toBeLessThan(before.hour.length)
  })

  it('answers a range from the level that holds it, grouped to at most maxPoints', () => {
    const store = open()
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0)
    for (let i = 0; i < 3 * 3600; i += 2)
      store.writeTick([{ conn: 'c', ts: t0 + i * 1000, values: values(i), dbs: { 0: { keys: 5 } } }], [], t0 + i * 1000)
    const now = t0 + 3 * HOUR
    const five = store.history('c', now - 5 * MINUTE, now, 2000, now)
    expect(five.resolution).toBe(1)
    expect(five.ts).toHaveLength(150)
    expect(five.dbKeys[0].every((k) => k === 5)).toBe(true)
    const day = store.history('c', now - 24 * HOUR, now, 2000, now)
    expect(day.resolution).toBe(60)
    expect(day.ts).toHaveLength(179)
    const week = store.history('c', now - 7 * 24 * HOUR, now, 2000, now)
    expect(week.resolution).toBe(3600)
    expect(week.ts).toEqual([t0, t0 + HOUR])
    // The last hour at 50 points: its hour row isn't rolled yet, so minutes, grouped by two.
    const grouped = store.history('c', now - HOUR, now, 50, now)
    expect(grouped.resolution).toBe(120)
    expect(grouped.ts).toHaveLength(30)
    expect(grouped.min).toBeUndefined()
    const bands = store.history('c', now - HOUR, now, 50, now, { bands: true })
    expect(bands.avg).toEqual(grouped.avg)
    for (const m of NAMES)
      bands.avg[m].forEach((a, i) => {
        if (a === null) return
        expect(bands.min![m][i]).toBeLessThanOrEqual(a)
        expect(bands.max![m][i]).toBeGreaterThanOrEqual(a)
      })
  })

  it('keeps the audit log and the watched list', () => {
    const store = open()
    store.recordAudit({ conn: 'a', action: 'bgsave', target: '/d/dump.rdb', detail: 'ok', outcome: 'ok', ts: 1 })
    store.recordAudit({ conn: 'b', action: 'delete', target: 'db0', detail: 'k', outcome: 'error', error: 'x', ts: 2 })
    expect(store.audit(undefined, 10).map((a) => a.action)).toEqual(['delete', 'bgsave'])
    expect(store.audit('a', 10)).toEqual([
      expect.objectContaining({ conn: 'a', action: 'bgsave', outcome: 'ok', error: null, durationMs: null }),
    ])
    store.setWatched('x', true)
    store.setWatched('y', true)
    store.setWatched('x', false)
    expect(store.watched()).toEqual(['y'])
  })
})
