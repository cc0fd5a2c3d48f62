// Differential testing against a real redis-server: runs the same command scripts on the engine and
// on Redis and returns both reply lists, so tests can assert the engine answers exactly as Redis
// 7.0. `ENCODING key` is answered by OBJECT ENCODING on Redis and by the engine's own stored
// encoding. Replies whose order Redis leaves to its hash tables can be normalised with sortedReply,
// and the keyspace events a script causes can be recorded on both servers.

import { RawClient, startRealRedis, startServer, type RealRedis, type Reply, type TestServer } from './helpers.js'
import { stringEncoding } from '../src/types/string.js'
import type { Server } from '../src/server/server.js'

export type Step = (string | number | Buffer)[]

export interface ScriptResult {
  step: string
  reply: Reply
}

export interface Pair {
  engine: TestServer
  redis: RealRedis
  close(): Promise<void>
}

export interface RunOptions {
  resp3?: boolean
  /** FLUSHALL before the script (a pair reused across tests). */
  flush?: boolean
  normalise?: (step: Step, reply: Reply) => Reply
}

export async function startPair(args: string[] = []): Promise<Pair> {
  const engine = await startServer(args)
  const redis = await startRealRedis(args)
  return {
    engine,
    redis,
    async close() {
      await engine.close()
      await redis.close()
    },
  }
}

/**
 * An array reply sorted, for replies whose order Redis leaves to its hash tables. A SCAN-shaped
 * reply ([cursor, items]) has its items sorted.
 */
export function sortedReply(r: Reply): Reply {
  if (r instanceof Set) return sortedReply([...r])
  if (!Array.isArray(r)) return r
  if (r.length === 2 && typeof r[0] === 'string' && Array.isArray(r[1])) return [r[0], sortedReply(r[1])]
  return [...r].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
}

function label(step: Step): string {
  return step
    .map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : String(a)))
    .join(' ')
    .slice(0, 120)
}

/** Pairs each step with its reply, so a mismatch shows which command differed. */
export function labelled(steps: Step[], replies: Reply[]): [string, Reply][] {
  return steps.map((s, i) => [label(s), replies[i]])
}

function encodingOf(srv: Server, key: string): Reply {
  const db = srv.keyspace.dbs[0]
  const slot = db.find(key)
  if (slot < 0) return null
  const v = db.dict.vals[slot]
  if (v === undefined) return null
  if (typeof v === 'object') return v.encoding()
  return stringEncoding(v, db.dict.flags[slot])
}

/** Runs steps on one fresh connection; `srv` is the engine (for ENCODING) or null for Redis. */
async function runSteps(port: number, steps: Step[], srv: Server | null, opts: RunOptions): Promise<Reply[]> {
  const c = await RawClient.connect(port)
  try {
    if (opts.flush) await c.call('FLUSHALL')
    if (opts.resp3) await c.call('HELLO', '3')
    const out: Reply[] = []
    for (const step of steps) {
      const r =
        String(step[0]).toUpperCase() === 'ENCODING'
          ? srv
            ? encodingOf(srv, String(step[1]))
            : await c.call('OBJECT', 'ENCODING', step[1])
          : await c.call(...step)
      out.push(opts.normalise ? opts.normalise(step, r) : r)
    }
    return out
  } finally {
    c.close()
  }
}

/** Runs steps on both servers of a pair (after FLUSHALL) and returns both reply lists. */
export async function runBoth(
  pair: Pair,
  steps: Step[],
  opts: RunOptions = {},
): Promise<{ engine: Reply[]; redis: Reply[] }> {
  const o = { ...opts, flush: true }
  return {
    engine: await runSteps(pair.engine.port, steps, pair.engine.srv, o),
    redis: await runSteps(pair.redis.port, steps, null, o),
  }
}

/** Runs script on a fresh engine and a fresh redis-server (RESP2, or RESP3 after HELLO 3). */
export async function runOnBoth(
  script: Step[],
  resp3 = false,
): Promise<{ engine: ScriptResult[]; redis: ScriptResult[] }> {
  const pair = await startPair()
  try {
    const { engine, redis } = await runBoth(pair, script, { resp3 })
    const results = (replies: Reply[]): ScriptResult[] => script.map((s, i) => ({ step: label(s), reply: replies[i] }))
    return { engine: results(engine), redis: results(redis) }
  } finally {
    await pair.close()
  }
}

/** The keyspace events (channel and key) published while script runs. */
async function events(port: number, script: Step[], srv: Server | null): Promise<string[]> {
  const sub = await RawClient.connect(port)
  try {
    await sub.call('PSUBSCRIBE', '__key*__:*', 'script-done')
    await sub.next()
    await runSteps(port, [...script, ['PUBLISH', 'script-done', 'x']], srv, {})
    const out: string[] = []
    for (;;) {
      const [, , channel, payload] = (await sub.next()) as string[]
      if (channel === 'script-done') return out
      out.push(`${channel} ${payload}`)
    }
  } finally {
    sub.close()
  }
}

/** The keyspace notifications script publishes on the engine and on redis-server, in order. */
export async function eventsOnBoth(script: Step[]): Promise<{ engine: string[]; redis: string[] }> {
  const pair = await startPair(['--notify-keyspace-events', 'KEA'])
  try {
    return {
      engine: await events(pair.engine.port, script, pair.engine.srv),
      redis: await events(pair.redis.port, script, null),
    }
  } finally {
    await pair.close()
  }
}
