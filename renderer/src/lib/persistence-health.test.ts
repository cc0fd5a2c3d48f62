import { describe, expect, it } from 'vitest'
import type { LiveStatus } from '../../../main/api/contract'
import { parseSaveRules, persistenceHealth } from './persistence-health'

const now = 1_800_000_000
function status(p: { changes?: number; age?: number; rdb?: string; aofWrite?: string; aof?: boolean }): LiveStatus {
  return {
    ts: now * 1000,
    version: '7.0.15',
    runId: 'r',
    uptimeSec: 100,
    maxmemory: 0,
    policy: 'noeviction',
    loading: false,
    rdb: {
      inProgress: false,
      keysProcessed: 0,
      keysTotal: 0,
      cowSize: 0,
      elapsedSec: -1,
      lastStatus: p.rdb ?? 'ok',
      lastTimeSec: 1,
      lastSaveTime: now - (p.age ?? 10),
      changes: p.changes ?? 0,
      saves: 1,
      lastCowSize: 0,
    },
    aof: {
      enabled: p.aof ?? false,
      rewriteInProgress: false,
      rewriteScheduled: false,
      elapsedSec: -1,
      lastRewriteStatus: 'ok',
      lastRewriteTimeSec: -1,
      lastWriteStatus: p.aofWrite ?? 'ok',
      rewrites: 0,
      currentSize: null,
      baseSize: null,
      lastCowSize: 0,
    },
  }
}

describe('persistence health', () => {
  const rules = parseSaveRules('3600 1 300 100 60 10000')

  it('parses save rules', () => {
    expect(rules).toEqual([
      { seconds: 3600, changes: 1 },
      { seconds: 300, changes: 100 },
      { seconds: 60, changes: 10000 },
    ])
    expect(parseSaveRules('')).toEqual([])
  })

  it('is calm when everything is saved or a rule will save soon', () => {
    expect(persistenceHealth(status({}), rules, now)).toEqual([
      { level: 'ok', text: expect.stringMatching(/Everything is saved/) },
    ])
    expect(persistenceHealth(status({ changes: 500, age: 100 }), rules, now)[0]).toMatchObject({
      level: 'ok',
      text: expect.stringMatching(/rule "save 300 100" saves them soon/),
    })
  })

  it('warns about failed saves, AOF write errors, overdue rules and no persistence at all', () => {
    const failed = persistenceHealth(status({ rdb: 'err', aofWrite: 'err', aof: true }), rules, now)
    expect(failed.map((h) => h.level)).toEqual(['error', 'error'])
    expect(failed[0].text).toMatch(/MISCONF/)
    expect(persistenceHealth(status({ changes: 500, age: 3600 }), rules, now)[0]).toMatchObject({
      level: 'warning',
      text: expect.stringMatching(/should have saved after 5 min/),
    })
    expect(persistenceHealth(status({ changes: 3 }), [], now)[0].text).toMatch(/lost if the server stops/)
  })
})
