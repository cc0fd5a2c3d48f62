// Runs the same command scripts against the engine and a real redis-server and returns both reply
// lists, so tests can assert the engine answers exactly as Redis 7.0 does. Replies whose element
// order Redis leaves to its hash tables are compared as sorted lists.

import { RawClient, startRealRedis, startServer, type RealRedis, type Reply, type TestServer } from './helpers.js'

export type Step = (string | number)[]

export interface Pair {
  engine: TestServer
  redis: RealRedis
  close(): Promise<void>
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

/**
 * Runs every step on a fresh connection to each server (after FLUSHALL) and returns the replies,
 * passed through `normalise` (e.g. sortedReply for order-free replies).
 */
export async function runBoth(
  pair: Pair,
  steps: Step[],
  opts: { resp3?: boolean; normalise?: (step: Step, reply: Reply) => Reply } = {},
): Promise<{ engine: Reply[]; redis: Reply[] }> {
  const run = async (port: number): Promise<Reply[]> => {
    const c = await RawClient.connect(port)
    try {
      await c.call('FLUSHALL')
      if (opts.resp3) await c.call('HELLO', '3')
      const out: Reply[] = []
      for (const s of steps) {
        const r = await c.call(...s)
        out.push(opts.normalise ? opts.normalise(s, r) : r)
      }
      return out
    } finally {
      c.close()
    }
  }
  return { engine: await run(pair.engine.port), redis: await run(pair.redis.port) }
}

/** Pairs each step with its reply, so a mismatch shows which command differed. */
export function labelled(steps: Step[], replies: Reply[]): [string, Reply][] {
  return steps.map((s, i) => [s.join(' ').slice(0, 120), replies[i]])
}
