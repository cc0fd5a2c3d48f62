import { describe, expect, it } from 'vitest'
import { formatReply } from './cli-format'

describe('formatReply (redis-cli style)', () => {
  it('renders scalars', () => {
    expect(formatReply({ t: 'nil' })).toBe('(nil)')
    expect(formatReply({ t: 'int', v: 42 })).toBe('(integer) 42')
    expect(formatReply({ t: 'err', v: 'ERR nope' })).toBe('(error) ERR nope')
    expect(formatReply({ t: 'str', v: 'a "q"\n\x01' })).toBe('"a \\"q\\"\\n\\x01"')
  })
  it('numbers nested arrays with aligned indexes', () => {
    const r = formatReply({
      t: 'arr',
      v: [
        { t: 'str', v: '0' },
        {
          t: 'arr',
          v: [
            { t: 'str', v: 'a' },
            { t: 'int', v: 1 },
          ],
        },
      ],
    })
    expect(r).toBe('1) "0"\n2) 1) "a"\n   2) (integer) 1')
    expect(formatReply({ t: 'arr', v: [] })).toBe('(empty array)')
  })
})
