import { describe, expect, it } from 'vitest'
import { formatTtl, fromBase64, hexDump, isPrintable, prettyJson } from './bytes'

describe('value bytes', () => {
  it('decodes base64 to bytes and tells binary from text', () => {
    expect([...fromBase64('AP9B')]).toEqual([0, 255, 65])
    expect(isPrintable(fromBase64('AP9B'))).toBe(false)
    expect(isPrintable(new TextEncoder().encode('héllo\n'))).toBe(true)
  })
  it('pretty-prints JSON objects and arrays only', () => {
    expect(prettyJson(' {"a":[1]} ')).toBe('{\n  "a": [\n    1\n  ]\n}')
    expect(prettyJson('12')).toBeNull()
    expect(prettyJson('{bad')).toBeNull()
  })
  it('dumps hex with offsets and ascii', () => {
    expect(hexDump(new TextEncoder().encode('AB\n'), 16)).toBe('00000010  41 42 0a' + ' '.repeat(39) + '  |AB.|')
  })
  it('formats TTLs', () => {
    expect(formatTtl(-1)).toBe('No limit')
    expect(formatTtl(1_000_000)).toBe('16 min 40 s')
    expect(formatTtl(90_061_000)).toBe('1 d 1 h')
  })
})
