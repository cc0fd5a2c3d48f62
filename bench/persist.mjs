// `npm run bench:persist`: RDB persistence side by side with real Redis (when redis-server is on
// PATH) on BENCH_PERSIST_KEYS string keys (default 1,000,000) plus BENCH_PERSIST_COLLECTIONS
// hashes, lists and zsets (default 10,000 each) of 100 fields: SAVE time, BGSAVE time, file size,
// load time at start, GET p99 idle vs during back-to-back BGSAVEs (alternating windows, both with
// the same INFO poller on one connection), and peak memory (PSS, which counts a fork's
// copy-on-write pages once) during a BGSAVE under a write load. SAVE, BGSAVE and load are medians
// of BENCH_ROUNDS (default 3) rounds that alternate between the two servers.

import { connect } from 'node:net'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { command, has, info, loadStrings, median, parseInfo, session, startServer, table } from './lib.mjs'

const KEYS = Number(process.env.BENCH_PERSIST_KEYS ?? 1_000_000)
const COLLECTIONS = Number(process.env.BENCH_PERSIST_COLLECTIONS ?? 10_000)
const FIELDS = 100
const LATENCY_MS = Number(process.env.BENCH_PERSIST_LATENCY_MS ?? 1500)
const LATENCY_PAIRS = Number(process.env.BENCH_PERSIST_LATENCY_PAIRS ?? 6)
const IDLE_SETTLE_MS = 1000
const LATENCY_CLIENTS = 4
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

/** Pipelines `n` commands built by make(i) over one connection; every reply is one line. */
function pipeline(port, n, make) {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' })
    let acked = 0
    let sent = 0
    const batch = 500
    const send = () => {
      let chunk = ''
      const end = Math.min(n, sent + batch)
      for (; sent < end; sent++) {
        const args = make(sent)
        chunk += `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')
      }
      if (chunk) s.write(chunk)
    }
    s.on('data', (d) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 10) acked++
      if (acked >= n) {
        s.end()
        resolve()
      } else if (sent - acked < batch * 2) send()
    })
    s.on('error', reject)
    s.on('connect', () => {
      send()
      send()
    })
  })
}

async function populate(port) {
  await loadStrings(port, KEYS, 16)
  const fields = (i, f) => Array.from({ length: FIELDS }, (_, k) => f(k, i)).flat()
  await pipeline(port, COLLECTIONS, (i) => [
    'HSET',
    `hash:${i}`,
    ...fields(i, (k) => [`field:${k}`, `value:${k}:${i}`]),
  ])
  await pipeline(port, COLLECTIONS, (i) => ['RPUSH', `list:${i}`, ...fields(i, (k) => [`element:${k}:${i}`])])
  await pipeline(port, COLLECTIONS, (i) => ['ZADD', `zset:${i}`, ...fields(i, (k) => [String(k * 1.5), `member:${k}`])])
}

/** Proportional set size of a process and its children (a forked BGSAVE child), in bytes. */
function pss(pid) {
  let total = 0
  const visit = (p) => {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))
      if (m) total += Number(m[1]) * 1024
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean)) visit(c)
    } catch {
      // The child exited between reads.
    }
  }
  visit(pid)
  return total
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** BGSAVE's state, asked over the bench's one monitoring connection (sess). */
async function bgsaveRunning(sess) {
  return parseInfo(await sess.command('INFO', 'persistence')).rdb_bgsave_in_progress === '1'
}

async function timedBgsave(sess) {
  const t0 = performance.now()
  await sess.command('BGSAVE')
  while (await bgsaveRunning(sess)) await sleep(5)
  return performance.now() - t0
}

/** Sequential GETs of random keys from a few connections; returns the latencies in ms. */
async function getLatencies(port, ms) {
  const lat = []
  const until = performance.now() + ms
  const one = () =>
    new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' })
      let t0 = 0
      const next = () => {
        if (performance.now() > until) {
          s.end()
          resolve()
          return
        }
        const k = `key:${String(Math.floor(Math.random() * KEYS)).padStart(12, '0')}`
        t0 = performance.now()
        s.write(`*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n`)
      }
      s.on('data', () => {
        lat.push(performance.now() - t0)
        next()
      })
      s.on('connect', next)
      s.on('error', reject)
    })
  await Promise.all(Array.from({ length: LATENCY_CLIENTS }, one))
  return lat
}

function p99(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length * 0.99)]
}

async function startWithFile(kind, file) {
  const dir = mkdtempSync(join(tmpdir(), `bench-load-${kind}-`))
  copyFileSync(file, join(dir, 'dump.rdb'))
  const t0 = performance.now()
  const srv = await startServer(kind, ['--dir', dir])
  const dt = performance.now() - t0
  return { srv, dt, dir }
}

/**
 * Runs measure() while step() runs over and over (each step after a 5 ms pause), and returns its
 * result once the step in progress has finished. The idle windows loop the same INFO poll as the
 * BGSAVE windows do, so the two differ by the saves alone.
 */
async function whileLooping(step, measure) {
  let on = true
  const loop = (async () => {
    while (on) {
      await step()
      await sleep(5)
    }
  })()
  const result = await measure()
  on = false
  await loop
  return result
}

/** Everything but the timed rounds, on one populated server. */
async function measureOne(srv, out) {
  out.keys = Number(/keys=(\d+)/.exec((await info(srv.port, 'keyspace')).db0)?.[1] ?? 0)
  // GET p99 in LATENCY_PAIRS pairs of windows, idle then during back-to-back BGSAVEs: on a shared
  // machine the idle p99 drifts (0.17-0.83 ms within a minute, measured), so each BGSAVE window is
  // set against the idle one just before it, and the ratio is the median of the pairs'.
  const p99Window = async (step) => p99(await whileLooping(step, () => getLatencies(srv.port, LATENCY_MS)))
  const idle = []
  const busy = []
  const ratios = []
  for (let i = 0; i < LATENCY_PAIRS; i++) {
    // An idle window straight after BGSAVEs measured a higher p99 (Strata 0.22-0.81 ms against
    // 0.26-0.56 after a pause, which flattered the ratio): the last save's aftermath is left out.
    await sleep(IDLE_SETTLE_MS)
    idle.push(await p99Window(() => bgsaveRunning(srv.sess)))
    busy.push(await p99Window(() => timedBgsave(srv.sess)))
    ratios.push(busy[i] / idle[i])
  }
  out.p99Idle = median(idle)
  out.p99Bgsave = median(busy)
  out.p99Ratio = median(ratios)
  // Peak memory during one BGSAVE while a writer overwrites random keys.
  out.memBefore = pss(srv.pid)
  let writing = true
  const writer = (async () => {
    while (writing) {
      await pipeline(srv.port, 20_000, () => [
        'SET',
        `key:${String(Math.floor(Math.random() * KEYS)).padStart(12, '0')}`,
        'w'.repeat(16),
      ])
    }
  })()
  await sleep(200)
  let peak = pss(srv.pid)
  await srv.sess.command('BGSAVE')
  while (await bgsaveRunning(srv.sess)) {
    peak = Math.max(peak, pss(srv.pid))
    await sleep(10)
  }
  writing = false
  await writer
  out.memPeak = peak
}

/** Runs fn(kind) for every kind, ROUNDS times, alternating, and returns the medians per kind. */
async function alternating(kinds, fn) {
  const runs = Object.fromEntries(kinds.map((k) => [k, []]))
  for (let r = 0; r < ROUNDS; r++) for (const k of kinds) runs[k].push(await fn(k))
  return Object.fromEntries(kinds.map((k) => [k, median(runs[k])]))
}

async function measure(kinds) {
  const out = Object.fromEntries(kinds.map((k) => [k, {}]))
  const srvs = {}
  const files = {}
  try {
    for (const k of kinds) {
      srvs[k] = await startServer(k)
      srvs[k].sess = session(srvs[k].port)
      await populate(srvs[k].port)
      // One unmeasured save first: a long-running server has its serializer compiled by the JIT.
      await command(srvs[k].port, 'SAVE')
    }
    // Timed measures alternate between the servers, so a noisy neighbour hits both alike.
    const save = await alternating(kinds, async (k) => {
      const t0 = performance.now()
      await command(srvs[k].port, 'SAVE')
      return performance.now() - t0
    })
    const bgsave = await alternating(kinds, (k) => timedBgsave(srvs[k].sess))
    for (const k of kinds) {
      out[k].save = save[k]
      out[k].bgsave = bgsave[k]
      await command(srvs[k].port, 'SAVE')
      files[k] = join(mkdtempSync(join(tmpdir(), `bench-file-${k}-`)), 'dump.rdb')
      copyFileSync(join(srvs[k].dir, 'dump.rdb'), files[k])
      out[k].size = statSync(files[k]).size
      await measureOne(srvs[k], out[k])
    }
  } finally {
    for (const k of kinds) {
      srvs[k]?.sess?.close()
      await srvs[k]?.stop?.()
    }
  }
  // Load time at start: spawn-to-ready with the file, minus spawn-to-ready when empty.
  const load = await alternating(kinds, async (k) => {
    const t0 = performance.now()
    const blank = await startServer(k)
    const base = performance.now() - t0
    await blank.stop()
    const loaded = await startWithFile(k, files[k])
    await loaded.srv.stop()
    rmSync(loaded.dir, { recursive: true, force: true })
    return loaded.dt - base
  })
  for (const k of kinds) {
    out[k].load = load[k]
    rmSync(dirname(files[k]), { recursive: true, force: true })
  }
  return out
}

const ms = (v) => `${v.toFixed(v < 10 ? 2 : 0)} ms`
const mb = (v) => `${(v / 1048576).toFixed(1)} MB`

console.log(
  `RDB persistence: ${KEYS} strings + ${COLLECTIONS} hashes/lists/zsets of ${FIELDS} fields ` +
    `(SAVE, BGSAVE and load: median of ${ROUNDS} rounds alternating between the servers)`,
)
const results = await measure(has('redis-server') ? ['strata', 'redis'] : ['strata'])
const strata = results.strata
const redis = results.redis ?? null
const rows = [
  ['keys', strata.keys, redis?.keys ?? '-', '', ''],
  [
    'SAVE',
    ms(strata.save),
    redis ? ms(redis.save) : '-',
    redis ? (strata.save / redis.save).toFixed(2) : '',
    '≤ 1.5× Redis',
  ],
  [
    'BGSAVE',
    ms(strata.bgsave),
    redis ? ms(redis.bgsave) : '-',
    redis ? (strata.bgsave / redis.bgsave).toFixed(2) : '',
    '',
  ],
  ['file size', mb(strata.size), redis ? mb(redis.size) : '-', redis ? (strata.size / redis.size).toFixed(2) : '', ''],
  [
    'load at start',
    ms(strata.load),
    redis ? ms(redis.load) : '-',
    redis ? (strata.load / redis.load).toFixed(2) : '',
    '≤ 1.5× Redis',
  ],
  ['GET p99 idle (median window)', ms(strata.p99Idle), redis ? ms(redis.p99Idle) : '-', '', ''],
  ['GET p99 during BGSAVEs (median)', ms(strata.p99Bgsave), redis ? ms(redis.p99Bgsave) : '-', '', ''],
  [
    'p99 BGSAVE / idle (median pair)',
    strata.p99Ratio.toFixed(2),
    redis ? redis.p99Ratio.toFixed(2) : '-',
    '',
    '≤ 1.3 (Strata)',
  ],
  ['memory before BGSAVE', mb(strata.memBefore), redis ? mb(redis.memBefore) : '-', '', ''],
  ['peak during BGSAVE + writes', mb(strata.memPeak), redis ? mb(redis.memPeak) : '-', '', ''],
  [
    'peak / before',
    (strata.memPeak / strata.memBefore).toFixed(2),
    redis ? (redis.memPeak / redis.memBefore).toFixed(2) : '-',
    '',
    '≤ 1.1 (Strata)',
  ],
]
console.log(table(['metric', 'Strata', 'Redis', 'Strata / Redis', 'target'], rows))
