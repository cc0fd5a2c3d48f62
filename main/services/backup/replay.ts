// Restoring into a running server over RESP: the RDB worker cuts each key's DUMP payload from the
// file and this side sends `RESTORE key ttl payload [REPLACE] ABSTTL` in pipelined batches (one
// round trip per batch, the worker preparing the next meanwhile). Replace mode first clears what
// the restore covers (FLUSHALL, FLUSHDB per chosen db, or the keys matching the pattern); merge
// modes leave other keys alone and either keep (BUSYKEY is counted, not fatal) or replace existing
// ones. Afterwards `check` compares key counts per db and sampled values with the file.

import type { Redis } from 'ioredis'
import type { RestoreCheck, RestoreMode } from '../../api/contract.js'
import { parseKeyspace } from '../connections.js'
import { walk } from '../scanner.js'
import type { Sample, SampleValue } from '../../../engine/src/tools/rdb-inspect.js'
import { ReplayReader, type RdbSummary } from './rdb-worker.js'

export interface ReplayPlan {
  mode: RestoreMode
  pattern: string
  dbs: number[]
}

export interface ReplayResult {
  restored: number
  /** Keys that existed already (merge-keep). */
  kept: number
  /** Keys whose TTL had passed: not restored. */
  expired: number
  perDb: Record<string, number>
  /** Keys with a TTL per db, which may legitimately be gone by the check. */
  withTtl: Record<string, number>
  keptKeys: Set<string>
  summary: RdbSummary
}

export interface ReplayHooks {
  progress(done: number, total: number): void
  cancelled(): boolean
}

const hasPattern = (p: ReplayPlan) => !!p.pattern && p.pattern !== '*'

/** Empties what a replace-mode restore covers. */
export async function clearScope(client: Redis, plan: ReplayPlan): Promise<void> {
  if (!hasPattern(plan) && plan.dbs.length === 0) {
    await client.flushall()
    return
  }
  const dbs = plan.dbs.length ? plan.dbs : parseKeyspace(await client.info('keyspace')).map((d) => d.db)
  for (const db of dbs) {
    await client.select(db)
    if (!hasPattern(plan)) {
      await client.flushdb()
      continue
    }
    for await (const step of walk(client, Number.MAX_SAFE_INTEGER, { pattern: plan.pattern, maxCount: 1000 })) {
      if (step.keys.length) await client.call('UNLINK', ...step.keys)
    }
  }
}

/** Replays a file into the server behind `client` (a dedicated connection: it SELECTs freely). */
export async function replay(
  client: Redis,
  workerScript: string,
  file: string,
  fileBytes: number,
  plan: ReplayPlan,
  hooks: ReplayHooks,
): Promise<ReplayResult> {
  if (plan.mode === 'replace') await clearScope(client, plan)
  const reader = new ReplayReader(workerScript, file, {
    dbs: plan.dbs,
    pattern: plan.pattern,
    samples: 100,
  })
  const res: Omit<ReplayResult, 'summary'> = {
    restored: 0,
    kept: 0,
    expired: 0,
    perDb: {},
    withTtl: {},
    keptKeys: new Set(),
  }
  let db = -1
  try {
    for (;;) {
      if (hooks.cancelled()) throw new Error('cancelled')
      const batch = await reader.next()
      if (!batch) break
      const now = Date.now()
      const pipe = client.pipeline()
      const sent: number[] = []
      const payloads = Buffer.from(batch.payloads.buffer, batch.payloads.byteOffset, batch.payloads.byteLength)
      let from = 0
      for (let i = 0; i < batch.keys.length; i++) {
        const to = batch.ends[i]
        const exp = batch.expireAt[i]
        if (exp !== 0 && exp <= now) {
          res.expired++
          from = to
          continue
        }
        if (batch.dbs[i] !== db) {
          db = batch.dbs[i]
          pipe.select(db)
          sent.push(-1)
        }
        const args: (string | Buffer | number)[] = [
          Buffer.from(batch.keys[i], 'latin1'),
          exp,
          payloads.subarray(from, to),
        ]
        if (plan.mode !== 'merge-keep') args.push('REPLACE')
        if (exp !== 0) args.push('ABSTTL')
        pipe.call('RESTORE', ...args)
        sent.push(i)
        from = to
      }
      const replies = (await pipe.exec()) ?? []
      for (let j = 0; j < replies.length; j++) {
        const i = sent[j]
        const [err] = replies[j]
        if (i < 0) {
          if (err) throw err
          continue
        }
        const dbKey = String(batch.dbs[i])
        if (err) {
          if (plan.mode === 'merge-keep' && /^BUSYKEY/.test(err.message)) {
            res.kept++
            res.keptKeys.add(`${dbKey}/${batch.keys[i]}`)
            continue
          }
          throw new Error(`RESTORE of key '${batch.keys[i]}' in db ${dbKey} failed: ${err.message}`)
        }
        res.restored++
        res.perDb[dbKey] = (res.perDb[dbKey] ?? 0) + 1
        if (batch.expireAt[i] !== 0) res.withTtl[dbKey] = (res.withTtl[dbKey] ?? 0) + 1
      }
      hooks.progress(batch.at, fileBytes)
    }
    const summary = await reader.summary()
    return { ...res, summary }
  } finally {
    reader.close()
  }
}

/** A value read back from a server in the form rdb-inspect samples use. */
export async function readSample(client: Redis, key: string): Promise<{ type: string; value: SampleValue | null }> {
  const k = Buffer.from(key, 'latin1')
  const type = String(await client.type(k))
  const l1 = (b: Buffer) => b.toString('latin1')
  const pairsSorted = (flat: Buffer[], score = false): string[] => {
    const pairs: [string, string][] = []
    for (let i = 0; i < flat.length; i += 2)
      pairs.push([l1(flat[i]), score ? formatReplyScore(l1(flat[i + 1])) : l1(flat[i + 1])])
    return pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1)).flat()
  }
  switch (type) {
    case 'string':
      return { type, value: l1((await client.getBuffer(k))!) }
    case 'list':
      return { type, value: (await client.lrangeBuffer(k, 0, -1)).map(l1) }
    case 'set':
      return { type, value: (await client.smembersBuffer(k)).map(l1).sort() }
    case 'hash':
      return { type, value: pairsSorted((await client.callBuffer('HGETALL', k)) as Buffer[]) }
    case 'zset':
      return { type, value: pairsSorted((await client.callBuffer('ZRANGE', k, 0, -1, 'WITHSCORES')) as Buffer[], true) }
    default:
      return { type, value: null }
  }
}

function formatReplyScore(s: string): string {
  if (s === 'inf') return 'inf'
  if (s === '-inf') return '-inf'
  return String(Number(s))
}

export interface CheckInput {
  /** Expected keys per db and how many of them carry a TTL (may be gone by now). */
  expected: Record<string, number>
  withTtl: Record<string, number>
  /** Counts must match exactly (replace everything) or only be reached (merge, pattern). */
  exact: boolean
  samples: Sample[]
  /** Sampled keys to skip ("db/key"), e.g. kept by merge-keep. */
  skip?: Set<string>
}

/** Compares key counts per db and sampled values with what the file said. */
export async function check(client: Redis, c: CheckInput): Promise<RestoreCheck> {
  const actual = new Map(parseKeyspace(await client.info('keyspace')).map((d) => [String(d.db), d.keys]))
  const dbs: RestoreCheck['dbs'] = []
  for (const db of new Set([...Object.keys(c.expected), ...(c.exact ? actual.keys() : [])])) {
    const expected = c.expected[db] ?? 0
    const got = actual.get(db) ?? 0
    const slack = c.withTtl[db] ?? 0
    const ok = c.exact ? got <= expected && got >= expected - slack : got >= expected - slack
    dbs.push({ db: Number(db), expected, actual: got, ok })
  }
  dbs.sort((a, b) => a.db - b.db)
  const mismatches: string[] = []
  let samples = 0
  let samplesOk = 0
  let selected = -1
  for (const s of c.samples) {
    if (s.expireAt !== 0 && s.expireAt <= Date.now() + 1000) continue
    if (c.skip?.has(`${s.db}/${s.key}`)) continue
    if (s.db !== selected) {
      await client.select(s.db)
      selected = s.db
    }
    samples++
    const got = await readSample(client, s.key)
    if (got.type === s.type && JSON.stringify(got.value) === JSON.stringify(s.value)) samplesOk++
    else if (mismatches.length < 10)
      mismatches.push(
        `db ${s.db} key '${s.key}': expected a ${s.type}, found ${got.type === 'none' ? 'nothing' : `a different ${got.type}`}`,
      )
  }
  return { dbs, samples, samplesOk, mismatches, ok: dbs.every((d) => d.ok) && samplesOk === samples }
}
