import { describe, expect, it } from 'vitest'
import { KeyIndex, SORT_WHILE_SCANNING, type RowView } from './key-index'

const rows = (v: RowView) => Array.from({ length: v.length }, (_, i) => v.get(i))

describe('KeyIndex', () => {
  it('deduplicates SCAN repeats and builds folders by separator with counts', () => {
    const ix = new KeyIndex(':')
    expect(ix.add(['user:2:name', 'user:1:name', 'plain', 'user:1:age', 'user:1:name'])).toBe(4)
    expect(ix.size).toBe(4)
    expect(rows(ix.treeView(new Set(), false)).map((r) => [r.kind, r.label, r.count])).toEqual([
      ['folder', 'user', 3],
      ['key', 'plain', 0],
    ])
    const open = rows(ix.treeView(new Set(['user:', 'user:1:']), false))
    expect(open.map((r) => `${r.depth}:${r.label}`)).toEqual(['0:user', '1:1', '2:age', '2:name', '1:2', '0:plain'])
    expect(open[2].path).toBe('user:1:age')
  })

  it('supports multi-character separators and empty segments', () => {
    const ix = new KeyIndex('::')
    ix.add(['a::b', 'a::::c'])
    const open = rows(ix.treeView(new Set(['a::', 'a::::']), false))
    expect(open.map((r) => r.label)).toEqual(['a', '', 'c', 'b'])
  })

  it('removes keys, fixing counts and dropping empty folders', () => {
    const ix = new KeyIndex(':')
    ix.add(['a:1', 'a:2', 'b:1'])
    expect(ix.remove(['a:1', 'b:1', 'missing'])).toBe(2)
    expect(rows(ix.treeView(new Set(), false)).map((r) => `${r.label}=${r.count}`)).toEqual(['a=1'])
    expect(rows(ix.listView(false)).map((r) => r.path)).toEqual(['a:2'])
  })

  it('leaves big folders in scan order while scanning and sorts them after', () => {
    const ix = new KeyIndex(':')
    const keys = Array.from({ length: SORT_WHILE_SCANNING + 10 }, (_, i) => `k:${SORT_WHILE_SCANNING + 10 - i}`)
    ix.add(keys)
    const open = new Set(['k:'])
    expect(ix.treeView(open, true).get(1).path).toBe(keys[0])
    const sorted = [...keys].sort()
    expect(ix.treeView(open, false).get(1).path).toBe(sorted[0])
    expect(ix.listView(false).get(0).path).toBe(sorted[0])
  })

  it('finds any row of a million-key tree without materialising rows', () => {
    const ix = new KeyIndex(':')
    const keys: string[] = []
    for (let i = 0; i < 1_000_000; i++) keys.push(`obj:${i % 100}:${i}`)
    const a0 = performance.now()
    ix.add(keys)
    console.log(`KeyIndex.add of 1M keys: ${Math.round(performance.now() - a0)} ms`)
    const open = new Set(['obj:', 'obj:42:'])
    const t0 = performance.now()
    const view = ix.treeView(open, false)
    const row = view.get(1 + 43 + 5000)
    expect(performance.now() - t0).toBeLessThan(3000)
    expect(view.length).toBe(1 + 100 + 10_000)
    expect(row.kind).toBe('key')
    expect(row.path.startsWith('obj:42:')).toBe(true)
  }, 60_000)

  it('lists the folders above a key', () => {
    expect(new KeyIndex(':').ancestors('a:b:c')).toEqual(['a:', 'a:b:'])
  })
})
