// `npm run bench:aof`: AOF persistence side by side with real Redis in the same run and settings:
// SET throughput (redis-benchmark, 50 clients) with appendfsync everysec and always, BGREWRITEAOF
// time on BENCH_AOF_KEYS string keys (default 1,000,000), and the restart time from the hybrid AOF
// that rewrite left (RDB-preamble base + an incr of BENCH_AOF_TAIL more writes), net of the time
// an empty server takes to start. Prints a table of ratios Strata / Redis with the targets.

import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { benchmark, command, has, info, loadStrings, median, startServer, table } from './lib.mjs'

const KEYS = Number(process.env.BENCH_AOF_KEYS ?? 1_000_000)
const TAIL = Number(process.env.BENCH_AOF_TAIL ?? 100_000)
const REQUESTS = Number(process.env.BENCH_AOF_REQUESTS ?? 100_000)
const ROUNDS = Number(process.env.BENCH_AOF_ROUNDS ?? 3)

if (!has('redis-server') || !has('redis-benchmark')) {
  console.error('bench:aof compares with a real Redis: redis-server and redis-benchmark must be installed')
  process.exit(1)
}

const KINDS = ['strata', 'redis']

async function setThroughput(kind, fsync) {
  const srv = await startServer(kind, ['--appendonly', 'yes', '--appendfsync', fsync])
  try {
    // The key space is bounded (-r) so both servers do the same mix of inserts and overwrites. One
    // unmeasured pass first, as in bench:persist: a long-running server has its write path (and
    // the AOF feed) compiled by the JIT, which a fresh process is still doing for its first ~1 s.
    const opts = { requests: REQUESTS, extra: ['-r', '100000'] }
    benchmark(srv.port, 'set', { ...opts, requests: Math.ceil(REQUESTS / 2) })
    return benchmark(srv.port, 'set', opts).SET
  } finally {
    await srv.stop()
  }
}

async function rewriteDone(port) {
  const i = await info(port, 'persistence')
  return i.aof_rewrite_in_progress === '0' && i.aof_rewrite_scheduled === '0'
}

async function timedRewrite(port) {
  const t0 = performance.now()
  const reply = await command(port, 'BGREWRITEAOF')
  if (!reply.startsWith('+Background append only file rewriting')) throw new Error(`BGREWRITEAOF: ${reply}`)
  while (!(await rewriteDone(port))) await new Promise((r) => setTimeout(r, 5))
  return performance.now() - t0
}

/** Time from spawn to the first PONG with `dir` as the data folder. */
async function timedStart(kind, dir) {
  const t0 = performance.now()
  const srv = await startServer(kind, ['--appendonly', 'yes', '--dir', dir], { readyTimeoutMs: 300_000 })
  const dt = performance.now() - t0
  await srv.stop()
  return dt
}

/** BGREWRITEAOF on KEYS keys, then the restart time from the hybrid AOF it leaves. */
async function rewriteAndRestart(kind) {
  const dir = mkdtempSync(join(tmpdir(), `bench-aof-${kind}-`))
  const srv = await startServer(kind, ['--appendonly', 'yes', '--dir', dir])
  const out = {}
  try {
    await loadStrings(srv.port, KEYS, 16)
    // One unmeasured rewrite first: a long-running server has its serializer compiled by the JIT.
    await timedRewrite(srv.port)
    out.rewrite = await timedRewrite(srv.port)
    await loadStrings(srv.port, TAIL, 32)
    // everysec may hold the last writes back for up to 2 s behind a running fsync.
    await new Promise((r) => setTimeout(r, 2500))
  } finally {
    await srv.stop()
  }
  const copy = mkdtempSync(join(tmpdir(), `bench-aof-copy-${kind}-`))
  const blank = mkdtempSync(join(tmpdir(), `bench-aof-blank-${kind}-`))
  try {
    cpSync(join(dir, 'appendonlydir'), join(copy, 'appendonlydir'), { recursive: true })
    const loads = []
    for (let i = 0; i < ROUNDS; i++) {
      rmSync(join(blank, 'appendonlydir'), { recursive: true, force: true })
      const base = await timedStart(kind, blank)
      loads.push((await timedStart(kind, copy)) - base)
    }
    out.restart = median(loads)
  } finally {
    for (const d of [dir, copy, blank]) rmSync(d, { recursive: true, force: true })
  }
  return out
}

const results = { strata: {}, redis: {} }
for (const fsync of ['everysec', 'always']) {
  const runs = { strata: [], redis: [] }
  // Interleaved rounds, so a noisy neighbour on the machine hits both servers alike.
  for (let r = 0; r < ROUNDS; r++) for (const kind of KINDS) runs[kind].push(await setThroughput(kind, fsync))
  for (const kind of KINDS) results[kind][`set-${fsync}`] = median(runs[kind])
}
for (const kind of KINDS) Object.assign(results[kind], await rewriteAndRestart(kind))

const s = results.strata
const r = results.redis
const ratio = (a, b) => (a / b).toFixed(2)
console.log(
  `\nAOF persistence, Strata vs redis-server (same run; ${REQUESTS} SETs x 50 clients, median of ${ROUNDS}; ` +
    `${KEYS} keys for the rewrite; restart = hybrid base + ${TAIL} writes, net of an empty start)\n`,
)
console.log(
  table(
    ['measure', 'Strata', 'Redis', 'ratio Strata/Redis', 'target'],
    [
      [
        'SET ops/s, appendfsync everysec',
        Math.round(s['set-everysec']),
        Math.round(r['set-everysec']),
        ratio(s['set-everysec'], r['set-everysec']),
        '>= 0.5',
      ],
      [
        'SET ops/s, appendfsync always',
        Math.round(s['set-always']),
        Math.round(r['set-always']),
        ratio(s['set-always'], r['set-always']),
        '>= 0.5',
      ],
      [
        `BGREWRITEAOF ms, ${KEYS} keys`,
        Math.round(s.rewrite),
        Math.round(r.rewrite),
        ratio(s.rewrite, r.rewrite),
        '<= 1.5',
      ],
      [
        'restart ms from hybrid AOF',
        Math.round(s.restart),
        Math.round(r.restart),
        ratio(s.restart, r.restart),
        '<= 1.5',
      ],
    ],
  ),
)
