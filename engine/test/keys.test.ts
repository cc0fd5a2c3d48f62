// Generic keyspace commands over real TCP: replies and error texts as Redis 7.0, keyspace
// notifications and propagation, WATCH-style signals for whole-db operations, OBJECT, and a script
// replayed against a real redis-server with identical replies.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  RawClient,
  sleep,
  ReplyError,
  requireProgram,
  startRealRedis,
  startServer,
  type Reply,
  type TestServer,
} from './helpers.js'
import { idleSeconds } from '../src/keyspace/evict.js'

let t: TestServer
let c: RawClient
const events: string[] = []
const propagated: string[] = []

beforeAll(async () => {
  t = await startServer(['--notify-keyspace-events', 'KEA'])
  t.srv.hooks.notify.push((cls, event, key, db) => events.push(`${cls}:${event}:${key}@${db}`))
  t.srv.hooks.propagate.push((db, argv) => propagated.push(`${db}:${argv.join(' ')}`))
  c = await RawClient.connect(t.port)
})
afterAll(async () => {
  c.close()
  await t.close()
})
beforeEach(async () => {
  expect(await c.call('FLUSHALL')).toBe('OK')
  expect(await c.call('SELECT', '0')).toBe('OK')
  events.length = 0
  propagated.length = 0
})

const err = (m: string): ReplyError => new ReplyError(m)

describe('DEL, UNLINK, EXISTS, TYPE, TOUCH, DBSIZE', () => {
  it('deletes and counts only existing keys, notifying del', async () => {
    await c.call('SET', 'a', '1')
    await c.call('SET', 'b', '2')
    expect(await c.call('DBSIZE')).toBe(2)
    expect(await c.call('DEL', 'a', 'nope', 'a')).toBe(1)
    expect(await c.call('UNLINK', 'b', 'c')).toBe(1)
    expect(await c.call('DEL', 'a')).toBe(0)
    expect(await c.call('DBSIZE')).toBe(0)
    expect(events.filter((e) => e.includes(':del:'))).toEqual(['g:del:a@0', 'g:del:b@0'])
    // A DEL that removed nothing is not propagated.
    expect(propagated.filter((p) => p.startsWith('0:DEL') || p.startsWith('0:UNLINK'))).toEqual([
      '0:DEL a nope a',
      '0:UNLINK b c',
    ])
    expect(await c.call('DEL')).toEqual(err("ERR wrong number of arguments for 'del' command"))
  })

  it('EXISTS counts repeated keys each time; TYPE names every type', async () => {
    await c.call('SET', 's', 'x')
    await c.call('SADD', 'set', 'm')
    expect(await c.call('EXISTS', 's', 's', 'set', 'none')).toBe(3)
    expect(await c.call('TYPE', 's')).toBe('string')
    expect(await c.call('TYPE', 'set')).toBe('set')
    expect(await c.call('TYPE', 'none')).toBe('none')
    expect(await c.call('TOUCH', 's', 'set', 'none', 's')).toBe(3)
    expect(await c.call('TYPE')).toEqual(err("ERR wrong number of arguments for 'type' command"))
  })

  it('EXISTS and TYPE count keyspace hits and misses', async () => {
    await c.call('SET', 'k', 'v')
    const before = { h: t.srv.stats.keyspaceHits, m: t.srv.stats.keyspaceMisses }
    await c.call('EXISTS', 'k', 'x')
    await c.call('TYPE', 'k')
    expect(t.srv.stats.keyspaceHits - before.h).toBe(2)
    expect(t.srv.stats.keyspaceMisses - before.m).toBe(1)
  })
})

describe('RENAME and RENAMENX', () => {
  it('renames carrying value, TTL and encoding, overwriting the target', async () => {
    await c.call('SET', 'a', 'hello')
    await c.call('PEXPIRE', 'a', '100000')
    await c.call('SADD', 'b', '1')
    expect(await c.call('RENAME', 'a', 'b')).toBe('OK')
    expect(await c.call('GET', 'b')).toBe('hello')
    expect(await c.call('EXISTS', 'a')).toBe(0)
    const pttl = (await c.call('PTTL', 'b')) as number
    expect(pttl).toBeGreaterThan(90000)
    expect(pttl).toBeLessThanOrEqual(100000)
    expect(events.filter((e) => e.includes('rename'))).toEqual(['g:rename_from:a@0', 'g:rename_to:b@0'])
  })

  it("replies 'ERR no such key' and handles the same name", async () => {
    expect(await c.call('RENAME', 'nope', 'x')).toEqual(err('ERR no such key'))
    expect(await c.call('RENAMENX', 'nope', 'x')).toEqual(err('ERR no such key'))
    expect(await c.call('RENAME', 'nope', 'nope')).toEqual(err('ERR no such key'))
    await c.call('SET', 'k', 'v')
    await c.call('EXPIRE', 'k', '100')
    events.length = 0
    propagated.length = 0
    expect(await c.call('RENAME', 'k', 'k')).toBe('OK')
    expect(await c.call('RENAMENX', 'k', 'k')).toBe(0)
    expect(await c.call('TTL', 'k')).toBe(100)
    expect(events).toEqual([])
    expect(propagated).toEqual([])
  })

  it('RENAMENX refuses an existing target', async () => {
    await c.call('SET', 'a', '1')
    await c.call('SET', 'b', '2')
    expect(await c.call('RENAMENX', 'a', 'b')).toBe(0)
    expect(await c.call('RENAMENX', 'a', 'c')).toBe(1)
    expect([await c.call('GET', 'a'), await c.call('GET', 'b'), await c.call('GET', 'c')]).toEqual([null, '2', '1'])
  })
})

describe('MOVE, COPY, SWAPDB', () => {
  it('MOVE moves value and TTL between dbs and checks its arguments', async () => {
    await c.call('SET', 'k', 'v')
    await c.call('EXPIRE', 'k', '500')
    expect(await c.call('MOVE', 'k', '0')).toEqual(err('ERR source and destination objects are the same'))
    expect(await c.call('MOVE', 'nokey', '0')).toEqual(err('ERR source and destination objects are the same'))
    expect(await c.call('MOVE', 'k', '16')).toEqual(err('ERR DB index is out of range'))
    expect(await c.call('MOVE', 'k', '-1')).toEqual(err('ERR DB index is out of range'))
    expect(await c.call('MOVE', 'k', 'x')).toEqual(err('ERR value is not an integer or out of range'))
    expect(await c.call('MOVE', 'k', '99999999999')).toEqual(
      err('ERR value is out of range, value must between -2147483648 and 2147483647'),
    )
    expect(await c.call('MOVE', 'nokey', '1')).toBe(0)
    expect(await c.call('MOVE', 'k', '1')).toBe(1)
    expect(await c.call('EXISTS', 'k')).toBe(0)
    await c.call('SET', 'k', 'other')
    expect(await c.call('MOVE', 'k', '1')).toBe(0)
    await c.call('SELECT', '1')
    expect(await c.call('GET', 'k')).toBe('v')
    expect(await c.call('TTL', 'k')).toBe(500)
    expect(events.filter((e) => e.includes('move'))).toEqual(['g:move_from:k@0', 'g:move_to:k@1'])
  })

  it('COPY copies strings and collections, with DB and REPLACE', async () => {
    await c.call('SET', 'src', 'value')
    await c.call('PEXPIRE', 'src', '60000')
    await c.call('SADD', 'set', 'a', 'b')
    expect(await c.call('COPY', 'src', 'src')).toEqual(err('ERR source and destination objects are the same'))
    expect(await c.call('COPY', 'src', 'dst', 'DB', '16')).toEqual(err('ERR DB index is out of range'))
    expect(await c.call('COPY', 'src', 'dst', 'DB', 'x')).toEqual(err('ERR value is not an integer or out of range'))
    expect(await c.call('COPY', 'src', 'dst', 'DB')).toEqual(err('ERR syntax error'))
    expect(await c.call('COPY', 'src', 'dst', 'FOO')).toEqual(err('ERR syntax error'))
    expect(await c.call('COPY', 'nokey', 'dst')).toBe(0)
    expect(await c.call('COPY', 'src', 'dst')).toBe(1)
    expect(await c.call('GET', 'dst')).toBe('value')
    expect((await c.call('PTTL', 'dst')) as number).toBeGreaterThan(50000)
    expect(await c.call('COPY', 'src', 'dst')).toBe(0)
    expect(await c.call('COPY', 'set', 'dst', 'REPLACE')).toBe(1)
    // The copy is independent of its source.
    await c.call('SADD', 'set', 'c')
    expect(((await c.call('SMEMBERS', 'dst')) as string[]).sort()).toEqual(['a', 'b'])
    expect(await c.call('TTL', 'dst')).toBe(-1)
    expect(await c.call('COPY', 'src', 'src', 'DB', '2')).toBe(1)
    await c.call('SELECT', '2')
    expect(await c.call('GET', 'src')).toBe('value')
    expect(events.filter((e) => e.includes('copy_to'))).toEqual([
      'g:copy_to:dst@0',
      'g:copy_to:dst@0',
      'g:copy_to:src@2',
    ])
  })

  it('SWAPDB swaps tables, validates indexes, and signals both dbs', async () => {
    const replaced: string[] = []
    const hook = (db: { id: number }, old: { size: number }): void => {
      replaced.push(`${db.id}:${old.size}`)
    }
    t.srv.hooks.dbReplaced.push(hook)
    try {
      await c.call('SET', 'in0', 'a')
      await c.call('SELECT', '3')
      await c.call('SET', 'in3', 'b')
      await c.call('SET', 'also3', 'c')
      expect(await c.call('SWAPDB', '0', '3')).toBe('OK')
      expect(await c.call('KEYS', '*')).toEqual(['in0'])
      await c.call('SELECT', '0')
      expect(((await c.call('KEYS', '*')) as string[]).sort()).toEqual(['also3', 'in3'])
      expect(replaced).toEqual(['0:1', '3:2'])
      expect(await c.call('SWAPDB', '0', '0')).toBe('OK')
      expect(await c.call('SWAPDB', 'x', '0')).toEqual(err('ERR invalid first DB index'))
      expect(await c.call('SWAPDB', '0', 'x')).toEqual(err('ERR invalid second DB index'))
      expect(await c.call('SWAPDB', '0', '99999999999')).toEqual(err('ERR invalid second DB index'))
      expect(await c.call('SWAPDB', '0', '16')).toEqual(err('ERR DB index is out of range'))
      expect(await c.call('SWAPDB', '-1', '0')).toEqual(err('ERR DB index is out of range'))
    } finally {
      t.srv.hooks.dbReplaced.splice(t.srv.hooks.dbReplaced.indexOf(hook), 1)
    }
  })
})

describe('FLUSHDB and FLUSHALL', () => {
  it('flush one or all dbs, accept SYNC/ASYNC, and signal every db replaced', async () => {
    const replaced: number[] = []
    const hook = (db: { id: number }, old: { size: number }): void => {
      if (old.size > 0) replaced.push(db.id)
    }
    t.srv.hooks.dbReplaced.push(hook)
    try {
      await c.call('SET', 'a', '1')
      await c.call('SELECT', '5')
      await c.call('SET', 'b', '1')
      expect(await c.call('FLUSHDB', 'async')).toBe('OK')
      expect(await c.call('DBSIZE')).toBe(0)
      expect(replaced).toEqual([5])
      await c.call('SET', 'b', '1')
      expect(await c.call('FLUSHALL', 'SYNC')).toBe('OK')
      expect(replaced).toEqual([5, 0, 5])
      await c.call('SELECT', '0')
      expect(await c.call('DBSIZE')).toBe(0)
      expect(await c.call('FLUSHALL', 'FOO')).toEqual(err('ERR syntax error'))
      expect(await c.call('FLUSHALL', 'ASYNC', 'SYNC')).toEqual(err('ERR syntax error'))
      expect(await c.call('FLUSHDB', 'ASYNC', 'ASYNC')).toEqual(err('ERR syntax error'))
      // An empty FLUSHDB is still propagated, as Redis forces it.
      propagated.length = 0
      expect(await c.call('FLUSHDB')).toBe('OK')
      expect(propagated).toEqual(['0:FLUSHDB'])
    } finally {
      t.srv.hooks.dbReplaced.splice(t.srv.hooks.dbReplaced.indexOf(hook), 1)
    }
  })
})

describe('WATCH sees every change these commands make', () => {
  const cases: [string, string[][], string[]][] = [
    [
      'RENAME onto it',
      [
        ['SET', 'w', '1'],
        ['SET', 'src', '2'],
      ],
      ['RENAME', 'src', 'w'],
    ],
    ['RENAME away', [['SET', 'w', '1']], ['RENAME', 'w', 'other']],
    ['MOVE away', [['SET', 'w', '1']], ['MOVE', 'w', '1']],
    [
      'COPY REPLACE onto it',
      [
        ['SET', 'w', '1'],
        ['SET', 'src', '2'],
      ],
      ['COPY', 'src', 'w', 'REPLACE'],
    ],
    ['EXPIRE', [['SET', 'w', '1']], ['EXPIRE', 'w', '100']],
    ['EXPIRE in the past', [['SET', 'w', '1']], ['EXPIRE', 'w', '-1']],
    [
      'PERSIST',
      [
        ['SET', 'w', '1'],
        ['EXPIRE', 'w', '100'],
      ],
      ['PERSIST', 'w'],
    ],
    ['DEL', [['SET', 'w', '1']], ['UNLINK', 'w']],
    ['SWAPDB', [['SET', 'w', '1']], ['SWAPDB', '0', '1']],
  ]
  for (const [what, setup, change] of cases) {
    it(`aborts EXEC after ${what}`, async () => {
      const other = await RawClient.connect(t.port)
      try {
        for (const cmd of setup) await c.call(...cmd)
        expect(await c.call('WATCH', 'w')).toBe('OK')
        expect(await other.call(...change)).not.toBeInstanceOf(ReplyError)
        await c.call('MULTI')
        await c.call('PING')
        expect(await c.call('EXEC')).toBe(null)
      } finally {
        other.close()
      }
    })
  }

  it('is not aborted by commands that change nothing', async () => {
    await c.call('SET', 'w', '1')
    await c.call('WATCH', 'w')
    await c.call('EXPIRE', 'w', '100', 'XX')
    await c.call('PERSIST', 'w')
    await c.call('RENAME', 'w', 'w')
    await c.call('TTL', 'w')
    await c.call('OBJECT', 'ENCODING', 'w')
    await c.call('MULTI')
    await c.call('PING')
    expect(await c.call('EXEC')).toEqual(['PONG'])
  })
})

describe('FLUSHALL with save rules', () => {
  it('saves the emptied dataset and is still propagated', async () => {
    const s = await startServer(['--save', '3600 1'])
    const cl = await RawClient.connect(s.port)
    const seen: string[] = []
    s.srv.hooks.propagate.push((_db, argv) => seen.push(argv.join(' ')))
    try {
      await cl.call('SET', 'k', 'v')
      expect(existsSync(join(s.dir, 'dump.rdb'))).toBe(false)
      expect(await cl.call('FLUSHALL')).toBe('OK')
      expect(existsSync(join(s.dir, 'dump.rdb'))).toBe(true)
      expect(seen).toEqual(['SET k v', 'FLUSHALL'])
      // The SAVE reset the change counter; FLUSHALL itself counts as one change.
      expect(s.srv.dirty).toBe(1)
    } finally {
      cl.close()
      await s.close()
    }
  })
})

describe('KEYS and RANDOMKEY', () => {
  it('KEYS matches glob patterns and skips expired keys', async () => {
    for (const k of ['user:1', 'user:2', 'user:10', 'item:1', 'a*b']) await c.call('SET', k, 'v')
    expect(((await c.call('KEYS', 'user:?')) as string[]).sort()).toEqual(['user:1', 'user:2'])
    expect(((await c.call('KEYS', 'user:*')) as string[]).sort()).toEqual(['user:1', 'user:10', 'user:2'])
    expect(((await c.call('KEYS', '[ai]*')) as string[]).sort()).toEqual(['a*b', 'item:1'])
    expect(await c.call('KEYS', 'a\\*b')).toEqual(['a*b'])
    t.srv.activeExpireEnabled = false
    try {
      await c.call('PEXPIRE', 'item:1', '1')
      await new Promise((r) => setTimeout(r, 10))
      expect(await c.call('KEYS', 'item*')).toEqual([])
      // KEYS only skips it; DBSIZE still counts it until it is deleted.
      expect(await c.call('DBSIZE')).toBe(5)
    } finally {
      t.srv.activeExpireEnabled = true
    }
  })

  it('RANDOMKEY returns live keys only, null when empty', async () => {
    expect(await c.call('RANDOMKEY')).toBe(null)
    t.srv.activeExpireEnabled = false
    try {
      for (let i = 0; i < 50; i++) await c.call('SET', `dead${i}`, 'v')
      for (let i = 0; i < 50; i++) await c.call('PEXPIRE', `dead${i}`, '1')
      await c.call('SET', 'live', 'v')
      await new Promise((r) => setTimeout(r, 10))
      const expiredBefore = t.srv.stats.expiredKeys
      expect(await c.call('RANDOMKEY')).toBe('live')
      expect(t.srv.stats.expiredKeys).toBeGreaterThan(expiredBefore)
    } finally {
      t.srv.activeExpireEnabled = true
    }
    const seen = new Set<Reply>()
    for (let i = 0; i < 200; i++) seen.add(await c.call('RANDOMKEY'))
    expect(seen).toEqual(new Set(['live']))
  })
})

describe('OBJECT', () => {
  it('reports encodings, refcounts and errors as Redis', async () => {
    await c.call('SET', 'int', '12345')
    await c.call('SET', 'small', '5')
    await c.call('SET', 'emb', 'x'.repeat(44))
    await c.call('SET', 'raw', 'x'.repeat(45))
    await c.call('SADD', 'iset', '1', '2')
    await c.call('SADD', 'hset', 'a')
    expect(await c.call('OBJECT', 'ENCODING', 'int')).toBe('int')
    expect(await c.call('OBJECT', 'ENCODING', 'emb')).toBe('embstr')
    expect(await c.call('OBJECT', 'ENCODING', 'raw')).toBe('raw')
    expect(await c.call('OBJECT', 'ENCODING', 'iset')).toBe('intset')
    expect(await c.call('OBJECT', 'ENCODING', 'hset')).toBe('hashtable')
    expect(await c.call('OBJECT', 'ENCODING', 'nokey')).toBe(null)
    expect(await c.call('OBJECT', 'REFCOUNT', 'small')).toBe(2147483647)
    expect(await c.call('OBJECT', 'REFCOUNT', 'int')).toBe(1)
    expect(await c.call('OBJECT', 'REFCOUNT', 'emb')).toBe(1)
    expect(await c.call('OBJECT', 'REFCOUNT', 'nokey')).toBe(null)
    expect(await c.call('OBJECT', 'FREQ', 'int')).toEqual(
      err(
        'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      ),
    )
    expect(await c.call('OBJECT', 'FOO', 'int')).toEqual(err("ERR unknown subcommand 'FOO'. Try OBJECT HELP."))
    expect(await c.call('OBJECT')).toEqual(err("ERR wrong number of arguments for 'object' command"))
    expect(await c.call('OBJECT', 'ENCODING')).toEqual(
      err("ERR wrong number of arguments for 'object|encoding' command"),
    )
    const help = (await c.call('OBJECT', 'HELP')) as string[]
    expect(help[0]).toBe('OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:')
    expect(help).toHaveLength(15)
  })

  it('does not share integers under an LRU policy with maxmemory set', async () => {
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru')
    await c.call('CONFIG', 'SET', 'maxmemory', '1gb')
    try {
      await c.call('SET', 'small', '5')
      expect(await c.call('OBJECT', 'REFCOUNT', 'small')).toBe(1)
    } finally {
      await c.call('CONFIG', 'SET', 'maxmemory', '0')
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')
    }
  })

  it('IDLETIME follows the LRU clock; FREQ and IDLETIME refuse the wrong policy', async () => {
    // Cron may move the LRU clock on by a second between a stamp and the question: allow for that.
    const idleAfter = async (stamp: () => unknown, idle: number) => {
      const before = t.srv.lruClock
      await stamp()
      const got = await c.call('OBJECT', 'IDLETIME', 'k')
      expect([idle, idle + t.srv.lruClock - before]).toContain(got)
    }
    await idleAfter(() => c.call('SET', 'k', 'v'), 0)
    // Age the key by 100 clock seconds.
    const d = t.srv.keyspace.dbs[0].dict
    const slot = d.slotOf('k')
    const age100 = () => (d.lru[slot] = (t.srv.lruClock - 100) & 0xffffff)
    await idleAfter(age100, 100)
    // Across the wrap (cron keeps the server's clock at the real time, so by the arithmetic itself).
    expect(idleSeconds(5, 0xffffff - 10)).toBe(15)
    // OBJECT does not touch the key; TOUCH does.
    await idleAfter(async () => {
      age100()
      await c.call('OBJECT', 'ENCODING', 'k')
    }, 100)
    await idleAfter(() => c.call('TOUCH', 'k'), 0)
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu')
    try {
      expect(await c.call('OBJECT', 'IDLETIME', 'k')).toEqual(
        err(
          'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
        ),
      )
      expect(await c.call('OBJECT', 'IDLETIME', 'nokey')).toBe(null)
      // Counter 20 stamped 3 minutes ago decays by 3 with lfu-decay-time 1.
      const minutes = Math.floor(Date.now() / 60000) & 0xffff
      d.lru[slot] = (((minutes - 3) & 0xffff) << 8) | 20
      expect(await c.call('OBJECT', 'FREQ', 'k')).toBe(17)
    } finally {
      await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')
    }
  })
})

describe('compatibility with a real redis-server', () => {
  const script: string[][] = [
    ['SET', 'a', '1'],
    ['SET', 'b', 'hello'],
    ['SADD', 's', 'x', 'y'],
    ['EXISTS', 'a', 'a', 'b', 'zz'],
    ['TYPE', 'a'],
    ['TYPE', 's'],
    ['TYPE', 'zz'],
    ['OBJECT', 'ENCODING', 'a'],
    ['OBJECT', 'ENCODING', 'b'],
    ['OBJECT', 'ENCODING', 's'],
    ['OBJECT', 'REFCOUNT', 'a'],
    ['OBJECT', 'REFCOUNT', 'zz'],
    ['OBJECT', 'FREQ', 'a'],
    ['OBJECT', 'NOPE', 'a'],
    ['RENAME', 'a', 'a'],
    ['RENAME', 'zz', 'q'],
    ['RENAMENX', 'a', 'b'],
    ['RENAMENX', 'a', 'c'],
    ['RENAME', 'c', 'b'],
    ['GET', 'b'],
    ['COPY', 'b', 'b'],
    ['COPY', 'b', 'b2', 'DB', '1'],
    ['COPY', 'b', 'b2', 'DB', '1'],
    ['COPY', 'b', 'b2', 'DB', '1', 'REPLACE'],
    ['COPY', 'b', 'b2', 'BAD'],
    ['MOVE', 'b', '0'],
    ['MOVE', 'b', '1'],
    ['MOVE', 's', '1'],
    ['MOVE', 's', 'abc'],
    ['MOVE', 's', '-3'],
    ['MOVE', 's', '99999999999'],
    ['COPY', 's', 's2', 'DB', '-99999999999'],
    ['SWAPDB', '0', '1'],
    ['SWAPDB', '0', '16'],
    ['SWAPDB', 'a', '1'],
    ['SWAPDB', '1', 'b'],
    ['DBSIZE'],
    ['EXPIRE', 'b', '100'],
    ['TTL', 'b'],
    ['EXPIRE', 'b', '200', 'NX'],
    ['EXPIRE', 'b', '200', 'XX', 'GT'],
    ['TTL', 'b'],
    ['EXPIRE', 'b', '50', 'GT'],
    ['EXPIRE', 'b', '50', 'LT'],
    ['TTL', 'b'],
    ['EXPIRE', 'b', '10', 'NX', 'XX'],
    ['EXPIRE', 'b', '10', 'GT', 'LT'],
    ['EXPIRE', 'b', '10', 'ZZ'],
    ['EXPIRE', 'b', 'abc'],
    ['EXPIRE', 'b', '9223372036854775807'],
    ['PEXPIRE', 'b', '9223372036854775807'],
    ['EXPIREAT', 'b', '-9223372036854775808'],
    ['PEXPIREAT', 'b2', '9223372036854775807'],
    ['PEXPIRETIME', 'b2'],
    ['EXPIRETIME', 'b2'],
    ['PERSIST', 'b2'],
    ['PERSIST', 'b2'],
    ['PEXPIRETIME', 'b2'],
    ['TTL', 'nokey'],
    ['PTTL', 'nokey'],
    ['EXPIRETIME', 'nokey'],
    ['EXPIRE', 'nokey', '10'],
    ['EXPIRE', 'b2', '10', 'XX'],
    ['EXPIRE', 'b2', '10', 'GT'],
    ['EXPIRE', 'b2', '10', 'LT'],
    ['TTL', 'b2'],
    ['EXPIRE', 'b2', '-5'],
    ['EXISTS', 'b2'],
    ['PEXPIREAT', 'b', '1'],
    ['EXISTS', 'b'],
    ['DEL', 'a', 'b', 'c', 's'],
    ['UNLINK', 'b2'],
    ['SCAN', 'abc'],
    ['SCAN', '0', 'COUNT', '0'],
    ['SCAN', '0', 'COUNT', 'x'],
    ['SCAN', '0', 'MATCH'],
    ['SCAN', '0', 'TYPE', 'string', 'FOO', 'bar'],
    ['FLUSHDB', 'LAZY'],
    ['FLUSHALL', 'ASYNC', 'x'],
    ['FLUSHALL', 'ASYNC'],
    ['DBSIZE'],
    ['RANDOMKEY'],
    ['KEYS', '*'],
    ['TOUCH', 'a', 'b'],
    ['SET', 'gone', 'v'],
    ['PEXPIRE', 'gone', '1'],
    ['!SLEEP', '20'],
    ['GET', 'gone'],
    ['DBSIZE'],
    // String encodings and shared integers.
    ['SET', 'i1', '100'],
    ['OBJECT', 'REFCOUNT', 'i1'],
    ['APPEND', 'i1', '1'],
    ['OBJECT', 'ENCODING', 'i1'],
    ['OBJECT', 'REFCOUNT', 'i1'],
    ['SET', 'i2', '9999'],
    ['OBJECT', 'REFCOUNT', 'i2'],
    ['COPY', 'i2', 'i2copy'],
    ['OBJECT', 'REFCOUNT', 'i2copy'],
    ['OBJECT', 'ENCODING', 'i2copy'],
    ['RENAME', 'i2', 'i2moved'],
    ['OBJECT', 'REFCOUNT', 'i2moved'],
    ['SET', 'i3', '10000'],
    ['OBJECT', 'REFCOUNT', 'i3'],
    ['SET', 'i4', '-1'],
    ['OBJECT', 'REFCOUNT', 'i4'],
    ['INCR', 'i4'],
    ['OBJECT', 'REFCOUNT', 'i4'],
    ['SET', 'big', '9223372036854775807'],
    ['OBJECT', 'ENCODING', 'big'],
    ['OBJECT', 'REFCOUNT', 'big'],
    ['SET', 'big', '9223372036854775808'],
    ['OBJECT', 'ENCODING', 'big'],
    ['SET', 'e', 'x'.repeat(44)],
    ['COPY', 'e', 'e2'],
    ['OBJECT', 'ENCODING', 'e2'],
    ['SETRANGE', 'e', '0', 'y'],
    ['COPY', 'e', 'e3'],
    ['OBJECT', 'ENCODING', 'e3'],
    ['DBSIZE'],
    // RESP3 shapes (HELLO itself differs in server details and is not compared).
    ['!HELLO', '3'],
    ['OBJECT', 'ENCODING', 'nokey'],
    ['OBJECT', 'REFCOUNT', 'nokey'],
    ['SCAN', '0', 'MATCH', 'nomatch*', 'COUNT', '1000'],
    ['TTL', 'nokey'],
    ['FLUSHALL'],
    ['RANDOMKEY'],
    ['KEYS', '*'],
  ]

  it('replays a script with identical replies and generic keyspace events', async () => {
    if (!requireProgram('redis-server')) return
    const real = await startRealRedis(['--notify-keyspace-events', 'KEA'])
    const r = await RawClient.connect(real.port)
    const sub = await RawClient.connect(real.port)
    const ours = await RawClient.connect(t.port)
    try {
      await sub.call('PSUBSCRIBE', '__keyevent@*__:*')
      for (const line of script) {
        if (line[0] === '!SLEEP') {
          await sleep(Number(line[1]))
          continue
        }
        if (line[0].startsWith('!')) {
          const cmd = [line[0].slice(1), ...line.slice(1)]
          await r.call(...cmd)
          await ours.call(...cmd)
          continue
        }
        const cmd = line
        const [want, got] = [await r.call(...cmd), await ours.call(...cmd)]
        expect({ cmd: cmd.join(' '), reply: got }).toEqual({ cmd: cmd.join(' '), reply: want })
      }
      // The events of this room's commands, in order, as the real server published them.
      const generic = /^(del|rename_from|rename_to|move_from|move_to|copy_to|expire|persist|expired)$/
      const realEvents: string[] = []
      sub.writeRaw('PING\r\n')
      for (;;) {
        const m = (await sub.next()) as string[]
        if (m[0] === 'pong') break
        const [, db, event] = /^__keyevent@(\d+)__:(.*)$/.exec(m[2]) as RegExpExecArray
        if (generic.test(event)) realEvents.push(`${event}:${m[3]}@${db}`)
      }
      const ourEvents = events.map((e) => e.slice(2)).filter((e) => generic.test(e.split(':')[0]))
      expect(realEvents.length).toBeGreaterThan(10)
      expect(ourEvents).toEqual(realEvents)
    } finally {
      r.close()
      sub.close()
      ours.close()
      await real.close()
    }
  })
})
