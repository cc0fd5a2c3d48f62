import { describe, expect, it } from 'vitest'
import { latin1Of } from '../src/util/latin1.js'
import { prng } from '../src/util/prng.js'

describe('latin1Of', () => {
  it('decodes every length and byte value as latin1Slice does', () => {
    const rand = prng(11)
    const buf = Buffer.alloc(4096)
    for (let i = 0; i < buf.length; i++) buf[i] = Math.floor(rand() * 256)
    for (let n = 0; n <= 40; n++) {
      for (let p = 0; p + n <= buf.length; p += 97) expect(latin1Of(buf, p, n)).toBe(buf.latin1Slice(p, p + n))
    }
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    for (let p = 0; p + 16 <= 256; p++) expect(latin1Of(all, p, 16)).toBe(all.latin1Slice(p, p + 16))
  })
})
