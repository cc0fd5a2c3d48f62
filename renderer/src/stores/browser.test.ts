import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setApi } from '../api/client'
import { fakeApi } from '../api/fake'
import { useBrowserStore } from './browser'

const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)))
const summary = {
  version: '7.0.15',
  mode: 'standalone',
  databases: 16,
  dbs: [{ db: 0, keys: 5, expires: 0 }],
  notifications: true,
}

function setup(early?: () => void) {
  const fake = fakeApi({
    'connections.open': () => summary,
    'keys.scanStart': () => {
      early?.()
      return { scanId: 's1', total: 5 }
    },
    'keys.scanCancel': () => ({ cancelled: true }),
    'keys.watch': () => ({ live: true }),
    'keys.unwatch': () => ({ stopped: true }),
    'keys.delete': (a) => ({ deleted: a.keys.length }),
    'keys.dbs': () => summary.dbs,
    'keys.bulkDelete': () => ({ jobId: 'j1' }),
  })
  setApi(fake.api)
  setActivePinia(createPinia())
  return { fake, b: useBrowserStore() }
}

describe('browser store', () => {
  beforeEach(() => localStorage.clear())

  it('streams scan batches into the index with progress, including a batch that beats the reply', async () => {
    // Main may push the first batch before scanStart's reply reaches the page.
    const { fake, b } = setup(() =>
      fake.emit('keys.scanBatch', { scanId: 's1', keys: ['a:1', 'a:2'], scanned: 2, total: 5, done: false }),
    )
    await b.open('c1', ':', 0)
    expect(fake.calls.map((c) => c.method).sort()).toEqual(['connections.open', 'keys.scanStart', 'keys.watch'])
    expect(b.index.size).toBe(2)
    expect(b.scanning).toBe(true)
    fake.emit('keys.scanBatch', { scanId: 'other', keys: ['zzz'], scanned: 1, total: 1, done: true })
    fake.emit('keys.scanBatch', { scanId: 's1', keys: ['b', 'a:1', 'c:x:y'], scanned: 5, total: 5, done: true })
    await frame()
    expect(b.index.size).toBe(4)
    expect(b.scanning).toBe(false)
    expect(b.scanMs).not.toBeNull()
    expect(b.firstRowsMs).not.toBeNull()
    expect(b.rows.length).toBe(3) // folders a, c and key b
    b.toggle('a:')
    expect(b.rows.length).toBe(5)
    b.setMode('list')
    expect(Array.from({ length: b.rows.length }, (_, i) => b.rows.get(i).path)).toEqual(['a:1', 'a:2', 'b', 'c:x:y'])
    expect(b.live).toEqual({ live: true })
  })

  it('draws the first keys of a scan at once, then redraws at most every 250 ms until it ends', async () => {
    const { fake, b } = setup()
    await b.open('c1', ':', 0)
    const batch = (keys: string[], scanned: number, done = false) =>
      fake.emit('keys.scanBatch', { scanId: 's1', keys, scanned, total: 5, done })
    batch(['a'], 1)
    await frame()
    const first = b.version
    expect(b.scanned).toBe(1)
    expect(b.rows.length).toBe(1)
    batch(['b'], 2)
    batch(['c'], 3)
    await frame()
    // Indexed, but not drawn yet.
    expect(b.index.size).toBe(3)
    expect([b.version, b.scanned, b.rows.length]).toEqual([first, 1, 1])
    await new Promise((r) => setTimeout(r, 300))
    expect([b.version, b.scanned, b.rows.length]).toEqual([first + 1, 3, 3])
    batch(['d', 'e'], 5, true)
    await frame()
    expect([b.scanning, b.scanned, b.rows.length]).toEqual([false, 5, 5])
  })

  it('follows keyspace notifications within the current filter', async () => {
    const { fake, b } = setup()
    b.pattern = 'user:*'
    await b.open('c1', ':', 0)
    fake.emit('keys.scanBatch', { scanId: 's1', keys: ['user:1', 'user:2'], scanned: 2, total: 2, done: true })
    b.select('user:1')
    fake.emit('keys.changed', {
      conn: 'c1',
      db: 0,
      overflow: false,
      changes: [
        { key: 'user:1', event: 'del' },
        { key: 'user:3', event: 'hset' },
        { key: 'other', event: 'set' },
      ],
    })
    fake.emit('keys.changed', { conn: 'c1', db: 1, overflow: false, changes: [{ key: 'user:9', event: 'set' }] })
    expect(b.index.has('user:1')).toBe(false)
    expect(b.index.has('user:3')).toBe(true)
    expect(b.index.has('other')).toBe(false)
    expect(b.index.has('user:9')).toBe(false)
    expect(b.selected).toBeNull()
  })

  it('tracks a bulk delete job and deletes single keys', async () => {
    const { fake, b } = setup()
    await b.open('c1', ':', 0)
    fake.emit('keys.scanBatch', { scanId: 's1', keys: ['s:1', 's:2', 'k'], scanned: 3, total: 3, done: true })
    expect(await b.deleteKeys(['k'])).toBe(1)
    expect(b.index.has('k')).toBe(false)
    await b.setFilter('s:*', null)
    await b.bulkDelete()
    expect(fake.calls.at(-1)).toEqual({
      method: 'keys.bulkDelete',
      args: { conn: 'c1', db: 0, pattern: 's:*', type: undefined },
    })
    fake.emit('keys.bulkProgress', { jobId: 'j1', deleted: 2, scanned: 3, total: 3, done: true, cancelled: false })
    expect(b.bulk).toMatchObject({ deleted: 2, done: true })
  })
})
