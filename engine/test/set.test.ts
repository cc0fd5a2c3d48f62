import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RawClient, ReplyError, requireProgram, withServer, type Reply, type TestServer } from './helpers.js'
import { labelled, runBoth, sortedReply, startPair, type Pair, type Step } from './compare.js'

const HAVE_REDIS = requireProgram('redis-server')

let t: TestServer
let c: RawClient
withServer((server, client) => {
  t = server
  c = client
})

const UNORDERED = new Set(['smembers', 'sunion', 'sinter', 'sdiff', 'spop', 'srandmember', 'sscan'])
/** Steps whose reply is a random pick: compared by size only. */
const RANDOM_STEPS = new Set<Step>()
const random = (...step: string[]): Step => {
  RANDOM_STEPS.add(step)
  return step
}
/** Order-free replies sorted; random picks reduced to their size. */
function normalise(s: Step, r: Reply): Reply {
  if (RANDOM_STEPS.has(s)) return Array.isArray(r) ? r.length : r
  return UNORDERED.has(String(s[0]).toLowerCase()) ? sortedReply(r) : r
}

function coverageScript(): Step[] {
  return [
    ['SADD', 's', '3', '1', '2', '1'],
    ['SMEMBERS', 's'],
    ['SADD', 's', 'a', 'b'],
    ['SCARD', 's'],
    ['SISMEMBER', 's', 'a'],
    ['SISMEMBER', 's', '4'],
    ['SISMEMBER', 'nokey', 'a'],
    ['SMISMEMBER', 's', 'a', 'zz', '1'],
    ['SMISMEMBER', 'nokey', 'a', 'b'],
    ['SREM', 's', 'a', 'nope', '1'],
    ['SREM', 'nokey', 'a'],
    ['SMEMBERS', 's'],
    ['SMEMBERS', 'nokey'],
    ['SADD', 't', '2', '3', '4', 'b', 'c'],
    ['SINTER', 's', 't'],
    ['SINTER', 's', 'nokey'],
    ['SUNION', 's', 't', 'nokey'],
    ['SDIFF', 's', 't'],
    ['SDIFF', 't', 's'],
    ['SDIFF', 'nokey', 's'],
    ['SINTERSTORE', 'd', 's', 't'],
    ['SMEMBERS', 'd'],
    ['SUNIONSTORE', 'd', 's', 't'],
    ['SCARD', 'd'],
    ['SDIFFSTORE', 'd', 's', 's'],
    ['EXISTS', 'd'],
    ['SUNIONSTORE', 's', 's', 't'],
    ['SCARD', 's'],
    ['SINTERCARD', '2', 's', 't'],
    ['SINTERCARD', '2', 's', 't', 'LIMIT', '2'],
    ['SINTERCARD', '2', 's', 't', 'LIMIT', '0'],
    ['SINTERCARD', '2', 's', 'nokey'],
    ['SINTERCARD', '0', 's'],
    ['SINTERCARD', 'x', 's'],
    ['SINTERCARD', '3', 's'],
    ['SINTERCARD', '1', 's', 'LIMIT', '-1'],
    ['SINTERCARD', '1', 's', 'LIMIT'],
    ['SINTERCARD', '1', 's', 'FOO', '1'],
    ['SMOVE', 's', 'm', '2'],
    ['SMOVE', 's', 'm', 'nope'],
    ['SMOVE', 'nokey', 'm', '2'],
    ['SMOVE', 's', 's', 'b'],
    ['SMOVE', 's', 's', 'nope'],
    ['SMEMBERS', 'm'],
    ['SADD', 'one', 'x'],
    ['SMOVE', 'one', 'm', 'x'],
    ['EXISTS', 'one'],
    ['SMOVE', 'm', 'm2', '2'],
    ['SMOVE', 'm', 'm2', 'x'],
    ['EXISTS', 'm'],
    ['SADD', 'p', '1', '2', '3'],
    ['SPOP', 'p', '0'],
    ['SPOP', 'p', '-1'],
    ['SPOP', 'p', 'x'],
    ['SPOP', 'p', '1', '2'],
    ['SPOP', 'p', '5'],
    ['EXISTS', 'p'],
    ['SPOP', 'p'],
    ['SPOP', 'p', '3'],
    ['SADD', 'p', 'only'],
    ['SPOP', 'p'],
    ['SADD', 'r', 'a', 'b', 'c'],
    ['SRANDMEMBER', 'r', '0'],
    ['SRANDMEMBER', 'r', '3'],
    ['SRANDMEMBER', 'r', '10'],
    ['SRANDMEMBER', 'r', '-9223372036854775808'],
    ['SRANDMEMBER', 'r', 'x'],
    ['SRANDMEMBER', 'r', '1', '2'],
    ['SRANDMEMBER', 'nokey'],
    ['SRANDMEMBER', 'nokey', '5'],
    ['SRANDMEMBER', 'nokey', '-5'],
    ['SADD', 'r1', 'solo'],
    ['SRANDMEMBER', 'r1'],
    ['SRANDMEMBER', 'r1', '-3'],
    ['SSCAN', 'r', '0'],
    ['SSCAN', 'r', '0', 'MATCH', 'a*', 'COUNT', '100'],
    ['SSCAN', 'r', 'x'],
    ['SSCAN', 'r', '0', 'COUNT', '0'],
    ['SSCAN', 'r', '0', 'COUNT', 'x'],
    ['SSCAN', 'r', '0', 'TYPE', 'set'],
    ['SSCAN', 'r', '0', 'MATCH'],
    ['SSCAN', 'nokey', '0', 'COUNT', '0'],
    ['SSCAN', 'r', '18446744073709551616'],
    ['SSCAN', 'r', ''],
    ['SET', 'str', 'v'],
    ['SADD', 'str', 'a'],
    ['SREM', 'str', 'a'],
    ['SMEMBERS', 'str'],
    ['SINTER', 'r', 'str'],
    ['SINTER', 'nokey', 'str'],
    ['SUNIONSTORE', 'd', 'r', 'str'],
    ['SMOVE', 'r', 'str', 'a'],
    ['SMOVE', 'str', 'r', 'a'],
    ['SINTERCARD', '1', 'str'],
    ['SSCAN', 'str', '0'],
    ['SPOP', 'str'],
    ['SRANDMEMBER', 'str'],
    ['SUNIONSTORE', 'str', 'r'],
    ['TYPE', 'str'],
  ]
}

function encodingScript(): Step[] {
  const s: Step[] = []
  for (let i = 0; i < 512; i++) s.push(['SADD', 'i', String(i * 1000)])
  s.push(['OBJECT', 'ENCODING', 'i'], ['SADD', 'i', '-1'], ['OBJECT', 'ENCODING', 'i'])
  s.push(['SREM', 'i', '-1', '0', '1000'], ['OBJECT', 'ENCODING', 'i'])
  s.push(['SADD', 'j', '1', '-9223372036854775808', '9223372036854775807'], ['OBJECT', 'ENCODING', 'j'])
  s.push(['SADD', 'j', '9223372036854775808'], ['OBJECT', 'ENCODING', 'j'])
  for (const m of ['01', '+1', '-0', ' 1', '1.0', ''])
    s.push(['SADD', 'k' + m, '5', m], ['OBJECT', 'ENCODING', 'k' + m])
  s.push(['SADD', 'h', 'x', '1'], ['OBJECT', 'ENCODING', 'h'], ['SREM', 'h', 'x'], ['OBJECT', 'ENCODING', 'h'])
  s.push(['SINTERSTORE', 'st', 'h', 'h'], ['OBJECT', 'ENCODING', 'st'])
  s.push(['SUNIONSTORE', 'st', 'i', 'j'], ['OBJECT', 'ENCODING', 'st'])
  s.push(['SDIFFSTORE', 'st', 'j', 'i'], ['OBJECT', 'ENCODING', 'st'])
  s.push(['CONFIG', 'SET', 'set-max-intset-entries', '3'])
  s.push(['SADD', 'c', '1', '2', '3'], ['OBJECT', 'ENCODING', 'c'], ['SADD', 'c', '4'], ['OBJECT', 'ENCODING', 'c'])
  s.push(['SMOVE', 'c', 'c2', '1'], ['OBJECT', 'ENCODING', 'c2'])
  s.push(['CONFIG', 'SET', 'set-max-intset-entries', '0'])
  s.push(['SADD', 'z', '1'], ['OBJECT', 'ENCODING', 'z'])
  s.push(['CONFIG', 'SET', 'set-max-intset-entries', '512'])
  // SPOP with a count close to the size rebuilds the set from its survivors: all integers -> intset.
  s.push(['SADD', 'sp', 'a', '1', '2', '3', '4', '5', '6', '7', '8', '9'], ['OBJECT', 'ENCODING', 'sp'])
  s.push(['SREM', 'sp', 'a'], random('SPOP', 'sp', '8'), ['OBJECT', 'ENCODING', 'sp'], ['SCARD', 'sp'])
  s.push(['SADD', 'sp2', 'a', '1', '2', '3', '4', '5', '6', '7', '8', '9'], random('SPOP', 'sp2', '2'))
  s.push(['OBJECT', 'ENCODING', 'sp2'], ['SCARD', 'sp2'])
  return s
}

describe('sets against real redis-server', () => {
  let pair: Pair
  beforeAll(async () => {
    if (HAVE_REDIS) pair = await startPair()
  })
  afterAll(async () => {
    if (HAVE_REDIS) await pair.close()
  })

  for (const resp3 of [false, true]) {
    it.runIf(HAVE_REDIS)(`answers every command and error as Redis 7.0 (RESP${resp3 ? 3 : 2})`, async () => {
      const steps = coverageScript()
      const r = await runBoth(pair, steps, { resp3, normalise })
      expect(labelled(steps, r.engine)).toEqual(labelled(steps, r.redis))
    })
  }

  it.runIf(HAVE_REDIS)('switches intset to hashtable at the same points (OBJECT ENCODING)', async () => {
    const steps = encodingScript()
    const r = await runBoth(pair, steps, { normalise })
    expect(labelled(steps, r.engine)).toEqual(labelled(steps, r.redis))
  })
})

describe('set commands on the engine', () => {
  it('keeps intset members in ascending order', async () => {
    await c.call('DEL', 'asc')
    await c.call('SADD', 'asc', '100', '-5', '70000', '3')
    expect(await c.call('SMEMBERS', 'asc')).toEqual(['-5', '3', '100', '70000'])
    expect(await c.call('OBJECT', 'ENCODING', 'asc')).toBe('intset')
  })

  it('SPOP and SRANDMEMBER follow the count rules', async () => {
    await c.call('DEL', 'r')
    const members = Array.from({ length: 50 }, (_, i) => 'm' + i)
    await c.call('SADD', 'r', ...members)
    const distinct = (await c.call('SRANDMEMBER', 'r', '20')) as string[]
    expect(new Set(distinct).size).toBe(20)
    const nearAll = (await c.call('SRANDMEMBER', 'r', '45')) as string[]
    expect(new Set(nearAll).size).toBe(45)
    const dup = (await c.call('SRANDMEMBER', 'r', '-200')) as string[]
    expect(dup.length).toBe(200)
    expect(new Set(dup).size).toBeLessThan(51)
    for (const m of dup) expect(members).toContain(m)
    const popped = (await c.call('SPOP', 'r', '10')) as string[]
    expect(new Set(popped).size).toBe(10)
    expect(await c.call('SCARD', 'r')).toBe(40)
    const most = (await c.call('SPOP', 'r', '38')) as string[]
    expect(new Set([...popped, ...most]).size).toBe(48)
    expect(await c.call('SCARD', 'r')).toBe(2)
    const rest = (await c.call('SMEMBERS', 'r')) as string[]
    expect(new Set([...popped, ...most, ...rest]).size).toBe(50)
  })

  it('SSCAN returns every member present for the whole scan despite concurrent deletes', async () => {
    await c.call('DEL', 'big')
    const members = Array.from({ length: 1000 }, (_, i) => 'k' + i)
    await c.call('SADD', 'big', ...members)
    const seen = new Set<string>()
    let cursor = '0'
    let round = 0
    do {
      const [next, batch] = (await c.call('SSCAN', 'big', cursor, 'COUNT', '25')) as [string, string[]]
      for (const m of batch) seen.add(m)
      // Delete members on both sides of the cursor and add new ones while scanning.
      await c.call('SREM', 'big', 'k' + ((round * 7) % 1000), 'k' + (999 - round))
      await c.call('SADD', 'big', 'new' + round)
      cursor = next
      round++
    } while (cursor !== '0')
    for (let i = 0; i < 1000; i++) {
      const m = 'k' + i
      const removed = (await c.call('SISMEMBER', 'big', m)) === 0
      if (!removed) expect(seen.has(m)).toBe(true)
    }
  })

  it('propagates SPOP as SREM of what it popped, or DEL when it took everything', async () => {
    const fed: string[][] = []
    const hook = (_db: number, argv: string[]): void => {
      fed.push(argv)
    }
    t.srv.hooks.propagate.push(hook)
    try {
      await c.call('DEL', 'pp')
      fed.length = 0
      await c.call('SADD', 'pp', 'a', 'b', 'c', 'd', 'e', 'f')
      const one = await c.call('SPOP', 'pp')
      const two = (await c.call('SPOP', 'pp', '2')) as string[]
      const rest = (await c.call('SPOP', 'pp', '3')) as string[]
      const all = (await c.call('SPOP', 'pp', '1')) as string[]
      expect(all).toEqual([])
      expect(fed[1]).toEqual(['SREM', 'pp', one])
      expect(fed[2]).toEqual(['SREM', 'pp', ...two])
      expect(fed[3]).toEqual(['DEL', 'pp'])
      expect(rest.length).toBe(3)
      expect(fed.length).toBe(4)
    } finally {
      t.srv.hooks.propagate.splice(t.srv.hooks.propagate.indexOf(hook), 1)
    }
  })

  it('replies WRONGTYPE and keeps the value', async () => {
    await c.call('SET', 'str', 'v')
    expect(await c.call('SADD', 'str', 'x')).toEqual(
      new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
    )
    expect(await c.call('GET', 'str')).toBe('v')
  })
})

function lcg(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
}

/** A random sequence of set commands whose replies are deterministic up to order. */
function randomScript(seed: number, length: number): Step[] {
  const r = lcg(seed)
  const key = (): string => ['sa', 'sb', 'sc'][r(3)]
  const member = (): string => (r(4) === 0 ? 'w' + r(6) : String(r(30) - 10))
  const steps: Step[] = [['CONFIG', 'SET', 'set-max-intset-entries', '10']]
  for (let i = 0; i < length; i++) {
    const k = key()
    switch (r(10)) {
      case 0:
      case 1:
      case 2:
        steps.push(['SADD', k, member(), member(), member()])
        break
      case 3:
        steps.push(['SREM', k, member(), member()])
        break
      case 4:
        steps.push(['SMOVE', k, key(), member()])
        break
      case 5:
        steps.push([['SINTER', 'SUNION', 'SDIFF'][r(3)], k, key()])
        break
      case 6:
        steps.push([['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'][r(3)], key(), k, key()])
        break
      case 7:
        steps.push(['SINTERCARD', '2', k, key(), 'LIMIT', String(r(4))], ['SMISMEMBER', k, member(), member()])
        break
      case 8:
        steps.push(['SPOP', k, '100'])
        break
      default:
        steps.push(['SCARD', k], ['OBJECT', 'ENCODING', k], ['SMEMBERS', k])
    }
  }
  for (const k of ['sa', 'sb', 'sc']) steps.push(['SMEMBERS', k], ['OBJECT', 'ENCODING', k])
  return steps
}

describe('random set sequences against real redis-server', () => {
  let pair: Pair
  beforeAll(async () => {
    if (HAVE_REDIS) pair = await startPair()
  })
  afterAll(async () => {
    if (HAVE_REDIS) await pair.close()
  })

  for (const seed of [1, 2, 3]) {
    it.runIf(HAVE_REDIS)(`gives identical replies and encodings (seed ${seed})`, async () => {
      const steps = randomScript(seed, 300)
      const r = await runBoth(pair, steps, { resp3: seed === 2, normalise })
      expect(labelled(steps, r.engine)).toEqual(labelled(steps, r.redis))
    })
  }
})
