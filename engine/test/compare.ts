// Differential testing against a real redis-server: runs one script of commands on the engine and
// on Redis and lets the test assert that every reply is identical. `ENCODING key` is answered by
// OBJECT ENCODING on Redis and by the engine's own stored encoding, so encodings are compared too.

import { RawClient, startRealRedis, startServer, type Reply } from './helpers.js'
import { FLAG_RAW } from '../src/keyspace/dict.js'
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
  return stringEncoding(v, (db.dict.flags[slot] & FLAG_RAW) !== 0)
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
