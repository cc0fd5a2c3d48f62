import { describe, expect, it } from 'vitest'
import { globMatch } from './glob'

describe('globMatch (Redis stringmatch)', () => {
  it.each([
    ['*', 'anything', true],
    ['user:*', 'user:1', true],
    ['user:*', 'users', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-c]llo', 'hbllo', true],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['*:*:name', 'user:1:name', true],
  ])('%s vs %s', (p, s, want) => expect(globMatch(p, s)).toBe(want))
})
