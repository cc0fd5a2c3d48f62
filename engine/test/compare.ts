// Differential testing against a real redis-server: runs one script of commands on the engine and
// on Redis and lets the test assert that every reply is identical. `ENCODING key` is answered by
// OBJECT ENCODING on Redis and by the engine's own stored encoding, so encodings are compared too.
// With `events`, a subscriber records every keyspace notification the script causes.

import { RawClient, startRealRedis, startServer, type Reply } from './helpers.js'
import { stringEncoding } from '../src/types/string.js'
import type { Server } from '../src/server/server.js'

export type Step = (string | number | Buffer)[]

export interface ScriptResult {
  step: string
  reply: Reply
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

async function run(port: number, script: Step[], srv: Server | null, resp3: boolean): Promise<ScriptResult[]> {
  const c = await RawClient.connect(port)
  const out: ScriptResult[] = []
  try {
    if (resp3) await c.call('HELLO', '3')
    for (const step of script) {
      const label = step.map((a) => (Buffer.isBuffer(a) ? `<${a.length} bytes>` : String(a))).join(' ')
      let reply: Reply
      if (String(step[0]).toUpperCase() === 'ENCODING') {
        reply = srv ? encodingOf(srv, String(step[1])) : await c.call('OBJECT', 'ENCODING', step[1])
      } else {
        reply = await c.call(...step)
      }
      out.push({ step: label, reply })
    }
  } finally {
    c.close()
  }
  return out
}

/** The keyspace events (channel and key) published while script runs with every event class on. */
async function events(port: number, script: Step[], srv: Server | null): Promise<string[]> {
  const sub = await RawClient.connect(port)
  try {
    await sub.call('PSUBSCRIBE', '__key*__:*', 'script-done')
    await sub.next()
    await run(port, [...script, ['PUBLISH', 'script-done', 'x']], srv, false)
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

/** Runs script on a fresh engine and a fresh redis-server (RESP2, or RESP3 after HELLO 3); returns both reply lists. */
export async function runOnBoth(
  script: Step[],
  resp3 = false,
): Promise<{ engine: ScriptResult[]; redis: ScriptResult[] }> {
  const t = await startServer()
  const r = await startRealRedis()
  try {
    const engine = await run(t.port, script, t.srv, resp3)
    const redis = await run(r.port, script, null, resp3)
    return { engine, redis }
  } finally {
    await t.close()
    await r.close()
  }
}

/** The keyspace notifications script publishes on the engine and on redis-server, in order. */
export async function eventsOnBoth(script: Step[]): Promise<{ engine: string[]; redis: string[] }> {
  const args = ['--notify-keyspace-events', 'KEA']
  const t = await startServer(args)
  const r = await startRealRedis(args)
  try {
    return { engine: await events(t.port, script, t.srv), redis: await events(r.port, script, null) }
  } finally {
    await t.close()
    await r.close()
  }
}
