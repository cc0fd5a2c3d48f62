// The AOF manifest as Redis 7.0 writes and reads it: line format and order, quoting of names that
// need it, comments and unknown pairs accepted, and Redis's errors for malformed manifests.

import { describe, expect, it } from 'vitest'
import { Manifest, ManifestError, parseManifest } from '../src/persistence/aof/manifest.js'

describe('AOF manifest', () => {
  it('formats base, history, then incrs, and parses its own output back', () => {
    const m = new Manifest()
    m.newBase('appendonly.aof', true)
    m.newIncr('appendonly.aof')
    m.newBase('appendonly.aof', true)
    m.newIncr('appendonly.aof')
    m.markRewrittenIncrsAsHistory()
    const text = m.format()
    expect(text).toBe(
      'file appendonly.aof.2.base.rdb seq 2 type b\n' +
        'file appendonly.aof.1.base.rdb seq 1 type h\n' +
        'file appendonly.aof.1.incr.aof seq 1 type h\n' +
        'file appendonly.aof.2.incr.aof seq 2 type i\n',
    )
    const back = parseManifest(text)
    expect(back.format()).toBe(text)
    expect(back.currBaseSeq).toBe(2)
    expect(back.currIncrSeq).toBe(2)
  })

  it('quotes names with spaces or odd bytes, and reads them back', () => {
    const m = new Manifest()
    m.newBase('my aof', false)
    expect(m.format()).toBe('file "my aof.1.base.aof" seq 1 type b\n')
    expect(parseManifest(m.format()).base?.name).toBe('my aof.1.base.aof')
  })

  it('skips comments, accepts pairs in any order and unknown pairs', () => {
    const m = parseManifest('# written by hand\nseq 1 type b file base.rdb extra x\nTYPE i FILE a.incr.aof SEQ 3\n')
    expect(m.base).toEqual({ name: 'base.rdb', seq: 1, type: 'b' })
    expect(m.incrs).toEqual([{ name: 'a.incr.aof', seq: 3, type: 'i' }])
  })

  it("rejects what Redis rejects, with Redis's reasons", () => {
    const bad: [string, string][] = [
      ['', 'Found an empty AOF manifest'],
      ['file a seq 1 type b\n\n', 'Invalid AOF manifest file format'],
      ['file a seq 1\n', 'Invalid AOF manifest file format'],
      ['file a seq 0 type b\n', 'Invalid AOF manifest file format'],
      ['file a seq 1 type b', 'The AOF manifest file contains too long line'],
      ['file dir/a seq 1 type b\n', "File can't be a path, just a filename"],
      ['file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information'],
      ['file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number'],
      ['file a seq 1 type x\n', 'Unknown AOF file type'],
    ]
    for (const [text, why] of bad) {
      expect(() => parseManifest(text), JSON.stringify(text)).toThrow(new ManifestError(why))
    }
  })
})
