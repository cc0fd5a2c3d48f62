import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, formatValue } from './units'

describe('units', () => {
  it('formats bytes, rates, durations and missing values', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(2 * 1024 * 1024)).toBe('2.00 MB')
    expect(formatBytes(150 * 1024)).toBe('150 KB')
    expect(formatValue(1536, 'bytes/s')).toBe('1.50 KB/s')
    expect(formatValue(12345, 'keys/s')).toBe('12k/s')
    expect(formatValue(0.5, 'keys/s')).toBe('0.50/s')
    expect(formatValue(87.25, 'percent')).toBe('87.3 %')
    expect(formatValue(null, 'bytes')).toBe('–')
    expect(formatDuration(3725)).toBe('1 h 2 min')
    expect(formatValue(42, 'seconds')).toBe('42 s')
  })
})
