// ScanPacer: COUNT grows while calls are fast and shrinks only when the server's own time per call
// (the floor) is slow; late calls (above the floor) bring growing pauses that fade once calls are on
// time again.

import { describe, expect, it } from 'vitest'
import { ScanPacer } from './scan-pacer.js'

function feed(p: ScanPacer, ms: number, times = 1): void {
  for (let i = 0; i < times; i++) p.record(ms)
}

describe('ScanPacer', () => {
  it('runs flat out and grows COUNT up to the cap while calls are fast', () => {
    const p = new ScanPacer(500)
    expect(p.count).toBe(100)
    feed(p, 0.4, 5)
    expect(p.count).toBe(500)
    expect(p.pauseMs).toBe(0)
    expect(new ScanPacer(50).count).toBe(50)
  })

  it('pauses with growing waits while calls come back late, and stops pausing once they are on time', () => {
    const p = new ScanPacer(500)
    feed(p, 0.4, 5)
    const pauses: number[] = []
    for (let i = 0; i < 8; i++) {
      p.record(6)
      pauses.push(p.pauseMs)
    }
    expect(pauses[0]).toBeGreaterThan(0)
    for (let i = 1; i < pauses.length; i++) expect(pauses[i]).toBeGreaterThanOrEqual(pauses[i - 1])
    expect(pauses.at(-1)).toBe(10)
    // Late calls are queueing, not a slow server: COUNT stays.
    expect(p.count).toBe(500)
    feed(p, 0.4, 30)
    expect(p.pauseMs).toBe(0)
  })

  it('keeps the floor under lasting contention, so calls that are all late keep it pausing', () => {
    const p = new ScanPacer(500)
    feed(p, 0.4, 5)
    feed(p, 5, 100)
    expect(p.floorMs).toBeCloseTo(0.4)
    expect(p.pauseMs).toBe(10)
  })

  it('bounds the pause by COUNT, so a walk on a machine that stays busy still moves', () => {
    const p = new ScanPacer(100)
    feed(p, 0.4, 3)
    feed(p, 5, 20)
    expect(p.pauseMs).toBe(2)
  })

  it('shrinks COUNT when the server itself is slow for a step, not on a single slow call', () => {
    const p = new ScanPacer(500)
    feed(p, 0.4, 5)
    p.record(4)
    expect(p.count).toBe(500)
    const slow = new ScanPacer(500)
    feed(slow, 8, 3)
    expect(slow.count).toBe(100)
    feed(slow, 8)
    expect(slow.count).toBe(50)
    feed(slow, 8, 40)
    expect(slow.count).toBe(10)
  })
})
