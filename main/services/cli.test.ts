import { describe, expect, it } from 'vitest'
import { dangerReason, splitArgs, toCliReply } from './cli.js'

describe('splitArgs (redis-cli quoting)', () => {
  it('splits on whitespace and keeps quoted spaces', () => {
    expect(splitArgs('  SET  "a key"  \'b c\' ')).toEqual(['SET', 'a key', 'b c'])
  })
  it('decodes escapes in double quotes only', () => {
    expect(splitArgs('SET k "x\\ny\\t\\x41\\"z"')).toEqual(['SET', 'k', 'x\ny\tA"z'])
    expect(splitArgs("SET k 'it\\'s \\n'")).toEqual(['SET', 'k', "it's \\n"])
  })
  it('keeps empty quoted arguments', () => {
    expect(splitArgs('SET k ""')).toEqual(['SET', 'k', ''])
  })
  it('rejects unbalanced quotes and text glued to a closing quote', () => {
    expect(() => splitArgs('SET k "abc')).toThrow('unbalanced quotes')
    expect(() => splitArgs('SET k "a"b')).toThrow('closing quote')
  })
})

describe('dangerous commands', () => {
  it('names the danger of flushes, shutdown, KEYS and CONFIG SET', () => {
    expect(dangerReason(['flushall'])).toMatch(/every key in every database/)
    expect(dangerReason(['FLUSHDB', 'ASYNC'])).toMatch(/this database/)
    expect(dangerReason(['keys', '*'])).toMatch(/blocks the server/)
    expect(dangerReason(['CONFIG', 'set', 'maxmemory', '1'])).toMatch(/running configuration/)
  })
  it('lets ordinary commands through', () => {
    expect(dangerReason(['GET', 'k'])).toBeUndefined()
    expect(dangerReason(['CONFIG', 'GET', '*'])).toBeUndefined()
  })
})

describe('toCliReply', () => {
  it('maps ioredis replies to typed CLI replies', () => {
    expect(toCliReply(null)).toEqual({ t: 'nil' })
    expect(toCliReply(3)).toEqual({ t: 'int', v: 3 })
    expect(toCliReply(['a', null, [1]])).toEqual({
      t: 'arr',
      v: [{ t: 'str', v: 'a' }, { t: 'nil' }, { t: 'arr', v: [{ t: 'int', v: 1 }] }],
    })
    expect(toCliReply(Buffer.from([0xff, 0x41]))).toEqual({ t: 'str', v: '\xffA' })
  })
})
