import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RawClient, ReplyError, requireProgram, withServer, type Reply, type TestServer } from './helpers.js'
import { labelled, runBoth, sortedReply, startPair, type Pair, type Step } from './compare.js'

const HAVE_REDIS = requireProgram('redis-server')

/** SORT ... BY nosort over a hashtable set keeps hash order, which differs between servers. */
const UNORDERED_STEPS = new Set<Step>()
const unordered = (...step: string[]): Step => {
  UNORDERED_STEPS.add(step)
  return step
}

function script(): Step[] {
  return [
    ['RPUSH', 'l', '3', '10', '1', '2.5', '-4', '1e2'],
    ['SORT', 'l'],
    ['SORT', 'l', 'DESC'],
    ['SORT', 'l', 'ALPHA'],
    ['SORT', 'l', 'ALPHA', 'DESC', 'LIMIT', '1', '3'],
    ['SORT', 'l', 'LIMIT', '-5', '2'],
    ['SORT', 'l', 'LIMIT', '4', '-1'],
    ['SORT', 'l', 'LIMIT', '10', '3'],
    ['SORT', 'l', 'LIMIT', '0', '0'],
    ['SORT', 'l', 'BY', 'nosort'],
    ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
    ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '5', '9'],
    ['MSET', 'w_3', '30', 'w_10', '5', 'w_1', 'x', 'w_2.5', '-1', 'o_3', 'three', 'o_1', 'one'],
    ['SORT', 'l', 'BY', 'w_*'],
    ['SORT', 'l', 'BY', 'w_*', 'ALPHA'],
    ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'DESC'],
    ['SORT', 'l', 'BY', 'w_*', 'ALPHA', 'GET', '#', 'GET', 'o_*'],
    ['SORT', 'l', 'BY', 'nosort', 'GET', 'o_*', 'GET', '#', 'GET', 'nostar'],
    ['HSET', 'h_3', 'f', '9', 'g', 'gee'],
    ['HSET', 'h_10', 'f', '-2'],
    ['RPUSH', 'hl', '3', '10', '1'],
    ['SORT', 'hl', 'BY', 'h_*->f'],
    ['SORT', 'hl', 'BY', 'h_*->f', 'GET', 'h_*->g', 'GET', 'h_*->'],
    ['SORT', 'hl', 'BY', 'h_*->', 'GET', '#'],
    ['SORT', 'hl', 'BY', 'nosort', 'GET', 'o_*', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['SORT', 'hl', 'DESC', 'STORE', 'dst'],
    ['LRANGE', 'dst', '0', '-1'],
    ['TYPE', 'dst'],
    ['SORT', 'nokey', 'STORE', 'dst'],
    ['EXISTS', 'dst'],
    ['SORT', 'nokey'],
    ['RPUSH', 'bad', '1', 'x'],
    ['SORT', 'bad'],
    ['SORT', 'bad', 'STORE', 'dst2'],
    ['EXISTS', 'dst2'],
    ['SORT', 'bad', 'ALPHA'],
    ['RPUSH', 'odd2', '', ' 5', '0x10', 'inf', '-inf'],
    ['SORT', 'odd2'],
    ['SORT', 'l', 'LIMIT', '0', 'x'],
    ['SORT', 'l', 'LIMIT', '0'],
    ['SORT', 'l', 'FOO'],
    ['SORT', 'l', 'STORE'],
    ['SORT_RO', 'l', 'STORE', 'x'],
    ['SORT_RO', 'l', 'DESC', 'LIMIT', '0', '2'],
    ['SADD', 's', '5', '3', '9'],
    ['SORT', 's'],
    ['SORT', 's', 'BY', 'nosort'],
    ['SORT', 's', 'BY', 'nosort', 'STORE', 'sd'],
    ['LRANGE', 'sd', '0', '-1'],
    ['SADD', 'hs', 'b', 'a', 'c', 'd'],
    ['SORT', 'hs', 'ALPHA'],
    ['SORT', 'hs', 'ALPHA', 'DESC', 'LIMIT', '1', '2'],
    unordered('SORT', 'hs', 'BY', 'nosort'),
    ['SORT', 'hs', 'BY', 'nosort', 'STORE', 'sd'],
    ['LRANGE', 'sd', '0', '-1'],
    ['SORT', 'hs'],
    ['ZADD', 'z', '3', 'a', '1', 'b', '2', 'c', '2', '10'],
    ['OBJECT', 'ENCODING', 'z'],
    ['SORT', 'z', 'BY', 'nosort'],
    ['OBJECT', 'ENCODING', 'z'],
    ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'],
    ['SORT', 'z', 'ALPHA'],
    ['SORT', 'z', 'BY', 'nosort', 'GET', '#', 'GET', 'o_*'],
    ['SET', 'str', 'x'],
    ['SORT', 'str'],
    ['SORT', 'l', 'BY', 'str'],
  ]
}

describe('SORT against real redis-server', () => {
  let pair: Pair
  beforeAll(async () => {
    if (HAVE_REDIS) pair = await startPair()
  })
  afterAll(async () => {
    if (HAVE_REDIS) await pair.close()
  })

  for (const resp3 of [false, true]) {
    it.runIf(HAVE_REDIS)(`sorts lists, sets and zsets exactly as Redis 7.0 (RESP${resp3 ? 3 : 2})`, async () => {
      const steps = script()
      const normalise = (s: Step, r: Reply): Reply => (UNORDERED_STEPS.has(s) ? sortedReply(r) : r)
      const r = await runBoth(pair, steps, { resp3, normalise })
      expect(labelled(steps, r.engine)).toEqual(labelled(steps, r.redis))
    })
  }
})

describe('SORT on the engine', () => {
  let t: TestServer
  let c: RawClient
  withServer((server, client) => {
    t = server
    c = client
  })

  // Not compared with redis-server: after an ERANGE its stale errno fails every later numeric SORT.
  it('refuses scores that overflow a double', async () => {
    await c.call('RPUSH', 'big', '1', '1e400')
    expect(await c.call('SORT', 'big')).toEqual(new ReplyError("ERR One or more scores can't be converted into double"))
    await c.call('RPUSH', 'tiny', '1e-400')
    expect(await c.call('SORT', 'tiny')).toEqual(
      new ReplyError("ERR One or more scores can't be converted into double"),
    )
    expect(await c.call('SORT', 'big', 'ALPHA')).toEqual(['1', '1e400'])
  })

  it('stores a list and publishes sortstore', async () => {
    await c.call('RPUSH', 'src', '2', '1')
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')
    const sub = await RawClient.connect(t.port)
    await sub.call('SUBSCRIBE', '__keyevent@0__:sortstore')
    expect(await c.call('SORT', 'src', 'STORE', 'out')).toBe(2)
    expect(await sub.next()).toEqual(['message', '__keyevent@0__:sortstore', 'out'])
    expect(await c.call('LRANGE', 'out', '0', '-1')).toEqual(['1', '2'])
    sub.close()
  })
})
