// Property test (issue 3): seeded random sequences of list, hash, set, zset, string and generic
// commands run on the engine and on a real redis-server must give identical replies. Only commands
// the engine has registered are generated, so the test grows with the command families. Replies are
// normalised only where Redis itself is not deterministic: random picks (SPOP, SRANDMEMBER,
// HRANDFIELD, ZRANDMEMBER, RANDOMKEY) and the order of hash-table iteration (SMEMBERS, HKEYS…).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  RawClient,
  ReplyError,
  requireProgram,
  startRealRedis,
  startServer,
  type RealRedis,
  type Reply,
  type TestServer,
} from './helpers.js'
import { prng } from '../src/util/prng.js'

class Gen {
  constructor(readonly rnd: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rnd() * (hi - lo + 1))
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]
  }
  chance(p: number): boolean {
    return this.rnd() < p
  }
  key(): string {
    return this.pick(KEYS)
  }
  /** Members mix integers (intset), short strings (listpack) and long ones (forcing conversions). */
  member(): string {
    const r = this.rnd()
    if (r < 0.4) return String(this.int(-3, 40))
    if (r < 0.9) return this.pick(WORDS)
    return this.pick(LONG)
  }
  members(max: number): string[] {
    return Array.from({ length: this.int(1, max) }, () => this.member())
  }
  score(): string {
    const r = this.rnd()
    if (r < 0.6) return String(this.int(-5, 20))
    if (r < 0.85) return String(this.int(-20, 40) / 4)
    return this.pick(['inf', '-inf', '+inf', '0', '-0', '1e3', 'nan', 'abc'])
  }
  index(): string {
    return String(this.int(-12, 12))
  }
  scoreBound(): string {
    return this.pick(['-inf', '+inf', '(1', '(3', '0', '2', '5', '(10', '12.5', 'x'])
  }
  lexBound(): string {
    return this.pick(['-', '+', '[a', '(b', '[c', '(foo', '[z', 'a', '[1'])
  }
  count(): string {
    return this.pick(['1', '2', '3', '1000', '-2', '-5', '0'])
  }
  value(): string {
    const r = this.rnd()
    if (r < 0.35) return String(this.int(-100, 100))
    if (r < 0.45) return this.pick(['1.5', '-0.25', '3.0', '1e2', '9223372036854775807', ' 1', ''])
    if (r < 0.9) return this.pick(WORDS)
    return this.pick(LONG)
  }
}

const KEYS = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', '{t}a', '{t}b']
const WORDS = ['a', 'b', 'c', 'd', 'foo', 'bar', 'baz', 'hello', 'z', 'member:1', 'member:2']
const LONG = ['L'.repeat(70), 'M'.repeat(100)]
/** The sorted set that only ever holds score 0, for BYLEX ranges. */
const LEX = 'lex'
/** An absolute expiry far in the future, so TTL replies do not depend on timing. */
const FAR = '4102444800'

type Norm = 'sorted' | 'pairs' | 'random'

interface Op {
  cmd: string
  /** Subcommand that must exist too (OBJECT ENCODING). */
  sub?: string
  weight?: number
  norm?: Norm
  gen(g: Gen): string[]
}

const zsetSources = (g: Gen): string[] => {
  const n = g.int(1, 3)
  return [String(n), ...Array.from({ length: n }, () => g.key())]
}
const aggregate = (g: Gen, numkeys: number): string[] => {
  const out: string[] = []
  if (g.chance(0.3)) out.push('WEIGHTS', ...Array.from({ length: numkeys }, () => g.pick(['1', '2', '0.5', '-1'])))
  if (g.chance(0.3)) out.push('AGGREGATE', g.pick(['SUM', 'MIN', 'MAX']))
  return out
}

const OPS: Op[] = [
  // ---- strings ----
  {
    cmd: 'set',
    weight: 4,
    gen: (g) => ['SET', g.key(), g.value(), ...(g.chance(0.2) ? [g.pick(['NX', 'XX', 'GET', 'KEEPTTL'])] : [])],
  },
  { cmd: 'set', gen: (g) => ['SET', g.key(), g.value(), 'EXAT', FAR] },
  { cmd: 'get', gen: (g) => ['GET', g.key()] },
  { cmd: 'append', gen: (g) => ['APPEND', g.key(), g.value()] },
  { cmd: 'incr', gen: (g) => ['INCR', g.key()] },
  { cmd: 'incrby', gen: (g) => ['INCRBY', g.key(), String(g.int(-50, 50))] },
  { cmd: 'decrby', gen: (g) => ['DECRBY', g.key(), String(g.int(-50, 50))] },
  { cmd: 'incrbyfloat', gen: (g) => ['INCRBYFLOAT', g.key(), g.pick(['1.5', '-0.25', '3', '1e2', 'x'])] },
  { cmd: 'strlen', gen: (g) => ['STRLEN', g.key()] },
  { cmd: 'getrange', gen: (g) => ['GETRANGE', g.key(), g.index(), g.index()] },
  { cmd: 'setrange', gen: (g) => ['SETRANGE', g.key(), String(g.int(0, 12)), g.value()] },
  { cmd: 'mset', gen: (g) => ['MSET', g.key(), g.value(), g.key(), g.value()] },
  { cmd: 'mget', gen: (g) => ['MGET', g.key(), g.key(), g.key()] },
  { cmd: 'setnx', gen: (g) => ['SETNX', g.key(), g.value()] },
  { cmd: 'getset', gen: (g) => ['GETSET', g.key(), g.value()] },
  { cmd: 'getdel', gen: (g) => ['GETDEL', g.key()] },
  { cmd: 'getex', gen: (g) => ['GETEX', g.key(), ...g.pick([[], ['PERSIST'], ['EXAT', FAR], ['PXAT', `${FAR}000`]])] },
  // ---- generic ----
  { cmd: 'del', weight: 2, gen: (g) => ['DEL', g.key(), ...(g.chance(0.3) ? [g.key()] : [])] },
  { cmd: 'exists', gen: (g) => ['EXISTS', g.key(), g.key()] },
  { cmd: 'type', gen: (g) => ['TYPE', g.key()] },
  { cmd: 'rename', gen: (g) => ['RENAME', g.key(), g.key()] },
  { cmd: 'renamenx', gen: (g) => ['RENAMENX', g.key(), g.key()] },
  { cmd: 'copy', gen: (g) => ['COPY', g.key(), g.key(), ...(g.chance(0.5) ? ['REPLACE'] : [])] },
  {
    cmd: 'expireat',
    gen: (g) => [
      'EXPIREAT',
      g.key(),
      g.pick([FAR, '4102444801', '4102444799']),
      ...(g.chance(0.4) ? [g.pick(['NX', 'XX', 'GT', 'LT'])] : []),
    ],
  },
  { cmd: 'persist', gen: (g) => ['PERSIST', g.key()] },
  { cmd: 'expiretime', gen: (g) => ['EXPIRETIME', g.key()] },
  { cmd: 'dbsize', gen: () => ['DBSIZE'] },
  { cmd: 'keys', norm: 'sorted', gen: () => ['KEYS', '*'] },
  { cmd: 'randomkey', norm: 'random', gen: () => ['RANDOMKEY'] },
  { cmd: 'object', sub: 'encoding', weight: 3, gen: (g) => ['OBJECT', 'ENCODING', g.pick([...KEYS, LEX])] },
  {
    cmd: 'sort',
    gen: (g) => [
      'SORT',
      g.key(),
      ...(g.chance(0.5) ? ['ALPHA'] : []),
      ...(g.chance(0.3) ? ['DESC'] : []),
      ...(g.chance(0.3) ? ['LIMIT', String(g.int(0, 3)), String(g.int(-1, 4))] : []),
    ],
  },
  // ---- lists ----
  { cmd: 'lpush', weight: 3, gen: (g) => ['LPUSH', g.key(), ...g.members(4)] },
  { cmd: 'rpush', weight: 3, gen: (g) => ['RPUSH', g.key(), ...g.members(4)] },
  { cmd: 'lpushx', gen: (g) => ['LPUSHX', g.key(), g.member()] },
  { cmd: 'rpushx', gen: (g) => ['RPUSHX', g.key(), g.member()] },
  { cmd: 'lpop', gen: (g) => ['LPOP', g.key(), ...(g.chance(0.5) ? [g.pick(['0', '1', '3', '-1'])] : [])] },
  { cmd: 'rpop', gen: (g) => ['RPOP', g.key(), ...(g.chance(0.5) ? [g.pick(['0', '2', '10'])] : [])] },
  { cmd: 'llen', gen: (g) => ['LLEN', g.key()] },
  { cmd: 'lrange', weight: 2, gen: (g) => ['LRANGE', g.key(), g.index(), g.index()] },
  { cmd: 'lindex', gen: (g) => ['LINDEX', g.key(), g.index()] },
  { cmd: 'lset', gen: (g) => ['LSET', g.key(), g.index(), g.member()] },
  { cmd: 'linsert', gen: (g) => ['LINSERT', g.key(), g.pick(['BEFORE', 'AFTER']), g.member(), g.member()] },
  { cmd: 'lrem', gen: (g) => ['LREM', g.key(), String(g.int(-2, 2)), g.member()] },
  { cmd: 'ltrim', gen: (g) => ['LTRIM', g.key(), g.index(), g.index()] },
  {
    cmd: 'lpos',
    gen: (g) => [
      'LPOS',
      g.key(),
      g.member(),
      ...(g.chance(0.4) ? ['RANK', g.pick(['1', '-1', '2', '0'])] : []),
      ...(g.chance(0.4) ? ['COUNT', g.pick(['0', '1', '3'])] : []),
      ...(g.chance(0.2) ? ['MAXLEN', g.pick(['0', '2'])] : []),
    ],
  },
  { cmd: 'lmove', gen: (g) => ['LMOVE', g.key(), g.key(), g.pick(['LEFT', 'RIGHT']), g.pick(['LEFT', 'RIGHT'])] },
  { cmd: 'rpoplpush', gen: (g) => ['RPOPLPUSH', g.key(), g.key()] },
  {
    cmd: 'lmpop',
    gen: (g) => [
      'LMPOP',
      '2',
      g.key(),
      g.key(),
      g.pick(['LEFT', 'RIGHT']),
      ...(g.chance(0.5) ? ['COUNT', g.pick(['1', '3'])] : []),
    ],
  },
  // Blocking pops with a 10 ms timeout: they serve at once or time out with a null, never wait long.
  { cmd: 'blpop', gen: (g) => ['BLPOP', g.key(), g.key(), '0.01'] },
  { cmd: 'brpop', gen: (g) => ['BRPOP', g.key(), '0.01'] },
  {
    cmd: 'blmove',
    gen: (g) => ['BLMOVE', g.key(), g.key(), g.pick(['LEFT', 'RIGHT']), g.pick(['LEFT', 'RIGHT']), '0.01'],
  },
  { cmd: 'brpoplpush', gen: (g) => ['BRPOPLPUSH', g.key(), g.key(), '0.01'] },
  { cmd: 'blmpop', gen: (g) => ['BLMPOP', '0.01', '2', g.key(), g.key(), g.pick(['LEFT', 'RIGHT'])] },
  // ---- hashes ----
  {
    cmd: 'hset',
    weight: 4,
    gen: (g) => ['HSET', g.key(), g.member(), g.value(), ...(g.chance(0.4) ? [g.member(), g.value()] : [])],
  },
  { cmd: 'hsetnx', gen: (g) => ['HSETNX', g.key(), g.member(), g.value()] },
  { cmd: 'hget', gen: (g) => ['HGET', g.key(), g.member()] },
  { cmd: 'hmset', gen: (g) => ['HMSET', g.key(), g.member(), g.value()] },
  { cmd: 'hmget', gen: (g) => ['HMGET', g.key(), g.member(), g.member()] },
  { cmd: 'hdel', gen: (g) => ['HDEL', g.key(), ...g.members(3)] },
  { cmd: 'hexists', gen: (g) => ['HEXISTS', g.key(), g.member()] },
  { cmd: 'hlen', gen: (g) => ['HLEN', g.key()] },
  { cmd: 'hstrlen', gen: (g) => ['HSTRLEN', g.key(), g.member()] },
  { cmd: 'hkeys', norm: 'sorted', gen: (g) => ['HKEYS', g.key()] },
  { cmd: 'hvals', norm: 'sorted', gen: (g) => ['HVALS', g.key()] },
  { cmd: 'hgetall', norm: 'pairs', gen: (g) => ['HGETALL', g.key()] },
  { cmd: 'hincrby', gen: (g) => ['HINCRBY', g.key(), g.member(), String(g.int(-10, 10))] },
  { cmd: 'hincrbyfloat', gen: (g) => ['HINCRBYFLOAT', g.key(), g.member(), g.pick(['0.5', '-2', '1e1', 'x'])] },
  {
    cmd: 'hrandfield',
    norm: 'random',
    gen: (g) => [
      'HRANDFIELD',
      g.key(),
      ...(g.chance(0.7) ? [g.count(), ...(g.chance(0.4) ? ['WITHVALUES'] : [])] : []),
    ],
  },
  // ---- sets ----
  { cmd: 'sadd', weight: 4, gen: (g) => ['SADD', g.key(), ...g.members(5)] },
  { cmd: 'srem', gen: (g) => ['SREM', g.key(), ...g.members(3)] },
  { cmd: 'sismember', gen: (g) => ['SISMEMBER', g.key(), g.member()] },
  { cmd: 'smismember', gen: (g) => ['SMISMEMBER', g.key(), g.member(), g.member()] },
  { cmd: 'smembers', norm: 'sorted', gen: (g) => ['SMEMBERS', g.key()] },
  { cmd: 'scard', gen: (g) => ['SCARD', g.key()] },
  // Popping everything is the one deterministic SPOP.
  { cmd: 'spop', norm: 'sorted', gen: (g) => ['SPOP', g.key(), '1000'] },
  { cmd: 'srandmember', norm: 'random', gen: (g) => ['SRANDMEMBER', g.key(), ...(g.chance(0.7) ? [g.count()] : [])] },
  { cmd: 'smove', gen: (g) => ['SMOVE', g.key(), g.key(), g.member()] },
  { cmd: 'sinter', norm: 'sorted', gen: (g) => ['SINTER', g.key(), g.key()] },
  { cmd: 'sintercard', gen: (g) => ['SINTERCARD', '2', g.key(), g.key(), ...(g.chance(0.3) ? ['LIMIT', '1'] : [])] },
  { cmd: 'sinterstore', gen: (g) => ['SINTERSTORE', g.key(), g.key(), g.key()] },
  { cmd: 'sunion', norm: 'sorted', gen: (g) => ['SUNION', g.key(), g.key()] },
  { cmd: 'sunionstore', gen: (g) => ['SUNIONSTORE', g.key(), g.key(), g.key()] },
  { cmd: 'sdiff', norm: 'sorted', gen: (g) => ['SDIFF', g.key(), g.key()] },
  { cmd: 'sdiffstore', gen: (g) => ['SDIFFSTORE', g.key(), g.key(), g.key()] },
  // ---- sorted sets ----
  {
    cmd: 'zadd',
    weight: 4,
    gen: (g) => {
      const flags = g.chance(0.3)
        ? [g.pick(['NX', 'XX', 'GT', 'LT', 'CH', 'GT CH', 'NX CH'])].flatMap((f) => f.split(' '))
        : []
      const pairs = Array.from({ length: g.int(1, 4) }, () => [g.score(), g.member()]).flat()
      return ['ZADD', g.key(), ...flags, ...pairs]
    },
  },
  { cmd: 'zadd', gen: (g) => ['ZADD', g.key(), 'INCR', g.score(), g.member()] },
  { cmd: 'zincrby', gen: (g) => ['ZINCRBY', g.key(), g.score(), g.member()] },
  { cmd: 'zrem', gen: (g) => ['ZREM', g.key(), ...g.members(3)] },
  { cmd: 'zscore', gen: (g) => ['ZSCORE', g.key(), g.member()] },
  { cmd: 'zmscore', gen: (g) => ['ZMSCORE', g.key(), g.member(), g.member()] },
  { cmd: 'zcard', gen: (g) => ['ZCARD', g.key()] },
  { cmd: 'zcount', gen: (g) => ['ZCOUNT', g.key(), g.scoreBound(), g.scoreBound()] },
  // Lexicographic ranges are only specified when all scores are equal: they run on their own key.
  { cmd: 'zadd', weight: 2, gen: (g) => ['ZADD', LEX, ...g.members(3).flatMap((m) => ['0', m])] },
  { cmd: 'zlexcount', gen: (g) => ['ZLEXCOUNT', LEX, g.lexBound(), g.lexBound()] },
  { cmd: 'zrank', gen: (g) => ['ZRANK', g.key(), g.member()] },
  { cmd: 'zrevrank', gen: (g) => ['ZREVRANK', g.key(), g.member()] },
  {
    cmd: 'zrange',
    weight: 3,
    gen: (g) => {
      const mode = g.pick(['', 'BYSCORE', 'BYLEX'])
      const [a, b] =
        mode === 'BYSCORE'
          ? [g.scoreBound(), g.scoreBound()]
          : mode === 'BYLEX'
            ? [g.lexBound(), g.lexBound()]
            : [g.index(), g.index()]
      return [
        'ZRANGE',
        mode === 'BYLEX' ? LEX : g.key(),
        a,
        b,
        ...(mode ? [mode] : []),
        ...(g.chance(0.3) ? ['REV'] : []),
        ...(g.chance(0.3) ? ['LIMIT', String(g.int(0, 2)), String(g.int(-1, 3))] : []),
        ...(g.chance(0.4) ? ['WITHSCORES'] : []),
      ]
    },
  },
  { cmd: 'zrangestore', gen: (g) => ['ZRANGESTORE', g.key(), g.key(), g.index(), g.index()] },
  {
    cmd: 'zrangebyscore',
    gen: (g) => ['ZRANGEBYSCORE', g.key(), g.scoreBound(), g.scoreBound(), ...(g.chance(0.4) ? ['WITHSCORES'] : [])],
  },
  { cmd: 'zrevrangebyscore', gen: (g) => ['ZREVRANGEBYSCORE', g.key(), g.scoreBound(), g.scoreBound()] },
  { cmd: 'zrangebylex', gen: (g) => ['ZRANGEBYLEX', LEX, g.lexBound(), g.lexBound()] },
  { cmd: 'zrevrangebylex', gen: (g) => ['ZREVRANGEBYLEX', LEX, g.lexBound(), g.lexBound()] },
  {
    cmd: 'zrevrange',
    gen: (g) => ['ZREVRANGE', g.key(), g.index(), g.index(), ...(g.chance(0.4) ? ['WITHSCORES'] : [])],
  },
  { cmd: 'zremrangebyrank', gen: (g) => ['ZREMRANGEBYRANK', g.key(), g.index(), g.index()] },
  { cmd: 'zremrangebyscore', gen: (g) => ['ZREMRANGEBYSCORE', g.key(), g.scoreBound(), g.scoreBound()] },
  { cmd: 'zremrangebylex', gen: (g) => ['ZREMRANGEBYLEX', LEX, g.lexBound(), g.lexBound()] },
  { cmd: 'zpopmin', gen: (g) => ['ZPOPMIN', g.key(), ...(g.chance(0.5) ? [g.pick(['1', '2', '0', '-1'])] : [])] },
  { cmd: 'zpopmax', gen: (g) => ['ZPOPMAX', g.key(), ...(g.chance(0.5) ? [g.pick(['1', '3'])] : [])] },
  {
    cmd: 'zmpop',
    gen: (g) => ['ZMPOP', '2', g.key(), g.key(), g.pick(['MIN', 'MAX']), ...(g.chance(0.5) ? ['COUNT', '2'] : [])],
  },
  {
    cmd: 'zunionstore',
    gen: (g) => {
      const src = zsetSources(g)
      return ['ZUNIONSTORE', g.key(), ...src, ...aggregate(g, Number(src[0]))]
    },
  },
  {
    cmd: 'zinterstore',
    gen: (g) => {
      const src = zsetSources(g)
      return ['ZINTERSTORE', g.key(), ...src, ...aggregate(g, Number(src[0]))]
    },
  },
  { cmd: 'zdiffstore', gen: (g) => ['ZDIFFSTORE', g.key(), ...zsetSources(g)] },
  {
    cmd: 'zunion',
    gen: (g) => {
      const src = zsetSources(g)
      return ['ZUNION', ...src, ...aggregate(g, Number(src[0])), ...(g.chance(0.5) ? ['WITHSCORES'] : [])]
    },
  },
  { cmd: 'zinter', gen: (g) => ['ZINTER', ...zsetSources(g), ...(g.chance(0.5) ? ['WITHSCORES'] : [])] },
  { cmd: 'zdiff', gen: (g) => ['ZDIFF', ...zsetSources(g), ...(g.chance(0.5) ? ['WITHSCORES'] : [])] },
  { cmd: 'zintercard', gen: (g) => ['ZINTERCARD', ...zsetSources(g)] },
  { cmd: 'bzpopmin', gen: (g) => ['BZPOPMIN', g.key(), g.key(), '0.01'] },
  { cmd: 'bzpopmax', gen: (g) => ['BZPOPMAX', g.key(), '0.01'] },
  { cmd: 'bzmpop', gen: (g) => ['BZMPOP', '0.01', '2', g.key(), g.key(), g.pick(['MIN', 'MAX'])] },
  {
    cmd: 'zrandmember',
    norm: 'random',
    gen: (g) => [
      'ZRANDMEMBER',
      g.key(),
      ...(g.chance(0.7) ? [g.count(), ...(g.chance(0.4) ? ['WITHSCORES'] : [])] : []),
    ],
  },
]

/** Small encodings thresholds so a few thousand operations cross every conversion. */
const THRESHOLDS: [string, string][] = [
  ['hash-max-listpack-entries', '8'],
  ['hash-max-listpack-value', '16'],
  ['set-max-intset-entries', '8'],
  ['zset-max-listpack-entries', '8'],
  ['zset-max-listpack-value', '16'],
  ['list-max-listpack-size', '4'],
]

/** A plain JSON-able form: errors, doubles and big integers tagged; RESP3 sets and maps in sorted order (unordered by nature). */
function canon(r: Reply): unknown {
  if (r instanceof ReplyError) return { err: r.message }
  if (typeof r === 'bigint') return { big: String(r) }
  if (Array.isArray(r)) return r.map(canon)
  if (r instanceof Set) return { set: sortAll([...r].map(canon)) }
  if (r instanceof Map) return { map: sortAll([...r].map(([k, v]) => [canon(k), canon(v)])) }
  if (r !== null && typeof r === 'object' && 'double' in r) return { double: String(r.double) }
  return r
}

function sortAll(xs: unknown[]): unknown[] {
  return xs.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
}

/** The comparable form of a reply; `argv` tells how a random pick was asked for. */
function normalise(norm: Norm | undefined, argv: string[], reply: Reply): unknown {
  const r = canon(reply)
  // A single random pick (RANDOMKEY, SRANDMEMBER key…): only whether there was one is deterministic.
  if (norm === 'random' && typeof r === 'string') return 'picked'
  if (norm === undefined || !Array.isArray(r)) return r
  if (norm === 'sorted') return sortAll(r)
  if (norm === 'pairs') {
    const pairs: unknown[] = []
    for (let i = 0; i < r.length; i += 2) pairs.push([r[i], r[i + 1]])
    return sortAll(pairs)
  }
  // Random picks: a count of 1000 (more than any collection holds) returns everything, so the
  // picked set is deterministic; otherwise only the number of picks is.
  return Number(argv[2]) >= 1000 ? sortAll(r) : { picks: r.length }
}

/**
 * One step: usually a single command; sometimes (when MULTI exists) a transaction of deterministic
 * commands, possibly under WATCH and possibly dirtied by a write before MULTI, ended by EXEC or DISCARD.
 */
function step(g: Gen, ops: Op[], txOps: Op[] | null): [Norm | undefined, string[]][] {
  if (txOps === null || !g.chance(0.04)) {
    const op = g.pick(ops)
    return [[op.norm, op.gen(g)]]
  }
  const out: [Norm | undefined, string[]][] = []
  if (g.chance(0.5)) out.push([undefined, ['WATCH', g.key(), g.key()]])
  if (g.chance(0.3)) out.push([undefined, g.pick(txOps).gen(g)])
  out.push([undefined, ['MULTI']])
  for (let n = g.int(1, 4); n > 0; n--) out.push([undefined, g.pick(txOps).gen(g)])
  out.push([undefined, [g.chance(0.85) ? 'EXEC' : 'DISCARD']])
  return out
}

function available(srv: TestServer['srv'], op: Op): boolean {
  const cmd = srv.commands.lookup(op.cmd)
  if (cmd === undefined) return false
  return op.sub === undefined || cmd.spec.subcommands?.has(op.sub) === true
}

describe('random command sequences give the same replies as redis-server', () => {
  const hasRedis = requireProgram('redis-server')
  let engine: TestServer
  let real: RealRedis
  beforeAll(async () => {
    if (!hasRedis) return
    engine = await startServer()
    real = await startRealRedis()
  })
  afterAll(async () => {
    if (!hasRedis) return
    await engine.close()
    await real.close()
  })

  const runs: { seed: number; ops: number; resp: '2' | '3' }[] = [
    { seed: 1, ops: 2000, resp: '2' },
    { seed: 2, ops: 2000, resp: '2' },
    { seed: 3, ops: 2000, resp: '3' },
    { seed: 4, ops: 2000, resp: '2' },
    { seed: 5, ops: 2000, resp: '2' },
    { seed: 10, ops: 2000, resp: '3' },
  ]

  for (const { seed, ops, resp } of runs) {
    it.skipIf(!hasRedis)(`seed ${seed}: ${ops} operations over RESP${resp}`, { timeout: 120_000 }, async () => {
      const ops2 = OPS.filter((op) => available(engine.srv, op))
      const families = new Set(ops2.map((o) => o.cmd))
      // The generator must have something of every family the engine has registered.
      expect(families.size).toBeGreaterThan(20)
      const weighted = ops2.flatMap((op) => Array<Op>(op.weight ?? 1).fill(op))
      const a = await RawClient.connect(engine.port)
      const b = await RawClient.connect(real.port)
      try {
        for (const c of [a, b]) {
          await c.call('FLUSHALL')
          await c.call('HELLO', resp)
        }
        for (const [name, value] of THRESHOLDS) {
          // Only thresholds the engine knows; Redis gets exactly the same settings.
          if ((await a.call('CONFIG', 'SET', name, value)) === 'OK') await b.call('CONFIG', 'SET', name, value)
        }
        const g = new Gen(prng(seed))
        const history: string[] = []
        const plain = weighted.filter((op) => op.norm === undefined)
        const tx = engine.srv.commands.lookup('multi') !== undefined
        for (let i = 0; i < ops; i++) {
          for (const [norm, argv] of step(g, weighted, tx ? plain : null)) {
            history.push(argv.join(' '))
            const mine = normalise(norm, argv, await a.call(...argv))
            const theirs = normalise(norm, argv, await b.call(...argv))
            if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
              // Show the recent history so the failure can be reproduced by hand.
              expect({ step: i, command: argv.join(' '), engine: mine, history: history.slice(-15) }).toEqual({
                step: i,
                command: argv.join(' '),
                engine: theirs,
                history: history.slice(-15),
              })
            }
          }
        }
        // And the final datasets agree key by key.
        for (const key of KEYS) {
          const types = [await a.call('TYPE', key), await b.call('TYPE', key)]
          expect(types[0], key).toEqual(types[1])
        }
      } finally {
        a.close()
        b.close()
      }
    })
  }
})
