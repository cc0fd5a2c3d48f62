// Crash safety of the AOF with the real binary as a separate process: several clients pipeline
// writes (plain RPUSHes and MULTI/EXEC blocks, in different dbs) with per-client sequence numbers,
// a BGREWRITEAOF runs now and then, and the server is killed with SIGKILL at a random moment.
// After each restart every acknowledged write must be there, in order, and nothing else but the
// writes that were sent and not yet acknowledged. With appendfsync everysec and a disk whose fsync
// takes 3 s (appendfsync-test-delay), acknowledged writes can be lost, but at most 2 s of them.
// AOF_CRASH_ROUNDS raises the number of kills (npm run test:crash uses 50).

import { beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RawClient, ReplyError, sleep } from './helpers.js'
import { buildEngine, removeDir, spawnEngine, tempDir, type EngineProcess } from './aof-helpers.js'

const ROUNDS = Number(process.env.AOF_CRASH_ROUNDS ?? 20)
const CLIENTS = 4
/** Ops each client keeps in flight. */
const WINDOW = 32

interface Writer {
  id: number
  db: number
  /** Next sequence number to send; every op before it was sent. */
  next: number
  /** Highest sequence number acknowledged, and when each was acknowledged (ms). */
  acked: number
  ackTimes: Map<number, number>
}

/** Every third op is a MULTI/EXEC block that also counts itself in tx:<id>. */
const isTx = (s: number): boolean => s % 3 === 0

/** Pipelines ops until stopped (the socket closes when the server dies). */
function runWriter(port: number, w: Writer, stop: { done: boolean }): Promise<void> {
  return (async () => {
    const c = await RawClient.connect(port)
    const swallow = (p: Promise<unknown>): Promise<unknown> => p.catch(() => undefined)
    await c.call('SELECT', w.db)
    let inFlight = 0
    const waiter: { wake: (() => void) | null } = { wake: null }
    while (!stop.done && !c.closed) {
      if (inFlight >= WINDOW) {
        await new Promise<void>((r) => {
          waiter.wake = r
          // A dead server never answers: look at the stop flag again now and then.
          setTimeout(r, 100)
        })
        continue
      }
      const s = w.next++
      inFlight++
      let last: Promise<unknown>
      if (isTx(s)) {
        void swallow(c.call('MULTI'))
        void swallow(c.call('RPUSH', `log:${w.id}`, s))
        void swallow(c.call('INCR', `tx:${w.id}`))
        last = c.call('EXEC')
      } else {
        last = c.call('RPUSH', `log:${w.id}`, s)
      }
      void last.then(
        (r) => {
          if (!(r instanceof ReplyError)) {
            w.acked = s
            w.ackTimes.set(s, Date.now())
          }
          inFlight--
          const f = waiter.wake
          waiter.wake = null
          f?.()
        },
        () => undefined,
      )
      if (w.next % 8 === 0) await new Promise<void>((r) => setImmediate(r))
    }
    c.close()
  })()
}

/** Checks the restarted server against what the writers sent and had acknowledged; returns per writer the surviving count. */
async function verify(port: number, writers: Writer[]): Promise<number[]> {
  const c = await RawClient.connect(port)
  const kept: number[] = []
  try {
    for (const w of writers) {
      await c.call('SELECT', w.db)
      const log = ((await c.call('LRANGE', `log:${w.id}`, 0, -1)) as string[]).map(Number)
      // In order, no gaps, no duplicates: exactly 1..n.
      expect(log).toEqual(Array.from({ length: log.length }, (_, i) => i + 1))
      // Nothing that was never sent.
      expect(log.length).toBeLessThanOrEqual(w.next - 1)
      // MULTI/EXEC blocks are all or nothing.
      const tx = Number((await c.call('GET', `tx:${w.id}`)) ?? 0)
      expect(tx).toBe(log.filter(isTx).length)
      kept.push(log.length)
    }
  } finally {
    c.close()
  }
  return kept
}

async function crashRounds(
  dir: string,
  rounds: number,
  args: string[],
  onRound: (w: Writer[], kept: number[], killedAt: number) => void,
  opts: { seed?: (e: EngineProcess) => Promise<void>; lifetime?: [number, number] } = {},
): Promise<void> {
  const [minLife, maxLife] = opts.lifetime ?? [150, 600]
  const writers: Writer[] = Array.from({ length: CLIENTS }, (_, id) => ({
    id,
    db: id % 3,
    next: 1,
    acked: 0,
    ackTimes: new Map(),
  }))
  let e = await spawnEngine(dir, ['--appendonly', 'yes', ...args])
  if (opts.seed) await opts.seed(e)
  for (let round = 0; round < rounds; round++) {
    const stop = { done: false }
    const running = writers.map((w) => runWriter(e.port, w, stop))
    const admin = await RawClient.connect(e.port)
    const lifetime = minLife + Math.floor(Math.random() * (maxLife - minLife))
    if (round % 3 === 1) {
      await sleep(Math.floor(lifetime / 3))
      await admin.call('BGREWRITEAOF')
      await sleep(lifetime - Math.floor(lifetime / 3))
    } else {
      await sleep(lifetime)
    }
    admin.close()
    const killedAt = Date.now()
    await e.kill('SIGKILL')
    stop.done = true
    await Promise.all(running)
    e = await spawnEngine(dir, ['--appendonly', 'yes', ...args])
    expect(e.proc.exitCode, e.output()).toBeNull()
    const kept = await verify(e.port, writers)
    onRound(writers, kept, killedAt)
    // The next round continues each log where the restarted server has it.
    writers.forEach((w, i) => {
      w.next = kept[i] + 1
      w.acked = Math.min(w.acked, kept[i])
      w.ackTimes.clear()
    })
  }
  await e.kill('SIGTERM')
}

describe('AOF crash safety (SIGKILL of the real binary)', () => {
  beforeAll(async () => {
    await buildEngine()
  }, 120_000)

  it(`appendfsync always: every acknowledged write survives ${ROUNDS} SIGKILLs, in order, transactions whole`, async () => {
    const dir = tempDir()
    try {
      let writes = 0
      await crashRounds(
        dir,
        ROUNDS,
        ['--appendfsync', 'always'],
        (writers, kept) => {
          writers.forEach((w, i) => {
            expect(kept[i], `client ${w.id}: acknowledged ${w.acked}, kept ${kept[i]}`).toBeGreaterThanOrEqual(w.acked)
          })
          writes += kept.reduce((a, b) => a + b, 0)
        },
        {
          seed: async (e) => {
            // Some data in another db so the rewrites have a base worth writing.
            const c = await RawClient.connect(e.port)
            await c.call('SELECT', 5)
            const pending: Promise<unknown>[] = []
            for (let i = 0; i < 20_000; i++) pending.push(c.call('SET', `seed:${i}`, `value:${i}`))
            await Promise.all(pending)
            c.close()
          },
        },
      )
      expect(writes).toBeGreaterThan(ROUNDS * CLIENTS)
      const e = await spawnEngine(dir, ['--appendonly', 'yes'])
      const c = await RawClient.connect(e.port)
      await c.call('SELECT', 5)
      expect(await c.call('DBSIZE')).toBe(20_000)
      c.close()
      await e.kill('SIGTERM')
    } finally {
      removeDir(dir)
    }
  }, 600_000)

  it('the binary refuses to start on a damaged AOF, names file and offset, exits 1; strata-check-aof --fix repairs a torn tail', async () => {
    const dir = tempDir()
    try {
      const e = await spawnEngine(dir, ['--appendonly', 'yes', '--appendfsync', 'always'])
      const c = await RawClient.connect(e.port)
      await c.call('SET', 'a', '1')
      await c.call('SET', 'b', '2')
      c.close()
      await e.kill('SIGKILL')
      const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')
      const good = readFileSync(incr)
      const bad = Buffer.from(good)
      const at = bad.indexOf('*3')
      bad[at] = 0x21
      writeFileSync(incr, bad)
      const refused = await spawnEngine(dir, ['--appendonly', 'yes'])
      expect(await refused.exited).toBe(1)
      expect(refused.output()).toContain(
        `Bad file format reading the append only file appendonly.aof.1.incr.aof at offset ${at}`,
      )
      expect(readFileSync(incr)).toEqual(bad)
      // A torn tail instead, fixed by the checker after a yes on stdin.
      writeFileSync(incr, good.subarray(0, good.length - 3))
      const fixed = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [
          'engine/bin/strata-check-aof.mjs',
          '--fix',
          join(dir, 'appendonlydir', 'appendonly.aof.manifest'),
        ])
        let out = ''
        p.stdout.on('data', (d: Buffer) => (out += d.toString()))
        p.on('exit', (code) => resolve({ code, out }))
        p.stdin.end('y\n')
      })
      expect(fixed.out).toContain('Successfully truncated AOF appendonly.aof.1.incr.aof')
      expect(fixed.code).toBe(0)
      const back = await spawnEngine(dir, ['--appendonly', 'yes'])
      const d = await RawClient.connect(back.port)
      expect(await d.call('GET', 'a')).toBe('1')
      expect(await d.call('GET', 'b')).toBe(null)
      d.close()
      await back.kill('SIGTERM')
    } finally {
      removeDir(dir)
    }
  }, 60_000)

  for (const [delay, rounds] of [
    [0, 3],
    [3000, 5],
  ]) {
    const disk = delay === 0 ? 'this disk' : `fsync slowed to ${delay / 1000} s`
    it(`appendfsync everysec (${disk}): acknowledged writes lost span at most 2 s`, async () => {
      const dir = tempDir()
      let worst = 0
      let lostRounds = 0
      try {
        await crashRounds(
          dir,
          rounds,
          ['--appendfsync', 'everysec', '--appendfsync-test-delay', String(delay)],
          (writers, kept, killedAt) => {
            for (const [i, w] of writers.entries()) {
              if (kept[i] >= w.acked) continue
              // The lost acknowledged writes: from the first lost one to the last acknowledged.
              const first = w.ackTimes.get(kept[i] + 1)
              const lastAck = w.ackTimes.get(w.acked)
              if (first === undefined || lastAck === undefined) continue
              lostRounds++
              worst = Math.max(worst, Math.min(lastAck, killedAt) - first)
            }
          },
          { lifetime: [800, 4000] },
        )
      } finally {
        removeDir(dir)
      }
      console.log(
        `everysec loss window (${disk}): largest ${worst} ms of acknowledged writes lost (${lostRounds} of ${rounds * CLIENTS} client-rounds lost some)`,
      )
      expect(worst).toBeLessThanOrEqual(2100)
    }, 300_000)
  }
})
