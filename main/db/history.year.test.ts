// Product requirement: a year of 1-minute rollups for 5 connections (generated, with the hour
// rollups the collector keeps beside them) loads into a chart in under 500 ms, and the size of the
// SQLite file for that is reported. Generating 2.6 M rows takes a minute or two.

import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { METRICS } from '../api/contract.js'
import { HOUR, HistoryStore, MINUTE } from './history.js'

const YEAR = 365 * 24 * HOUR
const CONNS = ['c1', 'c2', 'c3', 'c4', 'c5']
const dir = mkdtempSync(join(tmpdir(), 'strata-year-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a year of history', () => {
  it('loads a year of 1-minute rollups for 5 connections into a chart in under 500 ms', () => {
    const file = join(dir, 'history.sqlite')
    const store = new HistoryStore(file)
    const now = Date.UTC(2026, 0, 1)
    const names = METRICS.map((m) => m.name)
    const t0 = performance.now()
    // Bulk generation without the journal (the collector's own writes go through WAL as usual).
    store.db.pragma('journal_mode = OFF')
    store.db.pragma('synchronous = OFF')
    // Generated inside SQLite (a recursive sequence): integer gauges stay integers as the collector's
    // are, every fourth column carries decimals like rates do, values wander over the day.
    const minutesInYear = YEAR / MINUTE
    for (const conn of CONNS) {
      store.db.exec(
        `INSERT INTO rollup (conn, res, ts, n, ${names.map((m) => `${m}_min, ${m}_avg, ${m}_max`).join(', ')})
         WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${minutesInYear - 1})
         SELECT '${conn}', ${MINUTE}, ${now - YEAR} + i * ${MINUTE}, 60,
           ${names
             .map((_, k) => {
               const v = `(${1e6 * (k + 1)} + ((i * ${k + 7}) % 1440) * 50)`
               return `${v} - 100, ${k % 4 === 0 ? `${v} + 0.5` : v}, ${v} + 100`
             })
             .join(', ')}
         FROM seq;
         INSERT INTO rollup_db (conn, res, ts, db, keys_min, keys_avg, keys_max)
         WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${minutesInYear - 1})
         SELECT '${conn}', ${MINUTE}, ${now - YEAR} + i * ${MINUTE}, 0, i % 1000, i % 1000, i % 1000 FROM seq;`,
      )
    }
    // The hour level the collector writes beside the minutes (n-weighted from the generated minutes).
    store.db.exec(
      `INSERT INTO rollup (conn, res, ts, n, ${names.map((m) => `${m}_min, ${m}_avg, ${m}_max`).join(', ')})
       SELECT conn, ${HOUR}, (ts / ${HOUR}) * ${HOUR} AS b, sum(n),
         ${names.map((m) => `min(${m}_min), sum(${m}_avg * n) / sum(n), max(${m}_max)`).join(', ')}
       FROM rollup WHERE res = ${MINUTE} GROUP BY conn, b;
       INSERT INTO rollup_db (conn, res, ts, db, keys_min, keys_avg, keys_max)
       SELECT conn, ${HOUR}, (ts / ${HOUR}) * ${HOUR} AS b, db, min(keys_min), avg(keys_avg), max(keys_max)
       FROM rollup_db WHERE res = ${MINUTE} GROUP BY conn, b, db;
       INSERT INTO series (conn) VALUES ${CONNS.map((c) => `('${c}')`).join(', ')};`,
    )
    store.db.pragma('journal_mode = WAL')
    const genMs = performance.now() - t0
    const minutes = store.db.prepare(`SELECT count(*) FROM rollup WHERE res = ${MINUTE}`).pluck().get() as number
    expect(minutes).toBe(5 * 525_600)
    const size = statSync(file).size
    store.close()

    // A fresh open, as after an app start: the chart's query for the whole year of one connection.
    const reopened = new HistoryStore(file)
    const time = (from: number, maxPoints = 2000) => {
      const t = performance.now()
      const h = reopened.history('c3', from, now, maxPoints, now)
      return { ms: performance.now() - t, h }
    }
    const year = time(now - YEAR)
    const month = time(now - 30 * 24 * HOUR)
    const week = time(now - 7 * 24 * HOUR)
    reopened.close()
    console.log(
      `history: ${(size / 1e6).toFixed(0)} MB for a year of 1-minute rollups x 5 connections (+ hours), ` +
        `generated in ${(genMs / 1000).toFixed(0)} s; chart query 1 year ${year.ms.toFixed(0)} ms ` +
        `(${year.h.ts.length} points at ${year.h.resolution} s), 30 days ${month.ms.toFixed(0)} ms ` +
        `(${month.h.ts.length} points), 7 days ${week.ms.toFixed(0)} ms (${week.h.ts.length} points)`,
    )
    expect(year.h.ts.length).toBeGreaterThan(1000)
    expect(year.h.ts.length).toBeLessThanOrEqual(2000)
    expect(year.h.avg.mem_used.every((v) => v !== null)).toBe(true)
    expect(year.h.dbKeys[0]).toHaveLength(year.h.ts.length)
    expect(year.ms).toBeLessThan(500)
    expect(month.ms).toBeLessThan(500)
    expect(week.ms).toBeLessThan(500)
  }, 600_000)
})
