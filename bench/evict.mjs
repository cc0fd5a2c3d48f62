// `npm run bench:evict`: eviction quality by Redis's LRU test method (redis-cli --lru-test), and
// throughput with maxmemory evicting. Each server is filled with RESIDENT keys and its maxmemory
// set to the used_memory that takes, so the engine and a real redis-server keep the same number of
// keys resident. Then keys are drawn from a larger keyspace with an 80/20 or a Zipf (s = 1)
// distribution: GET, and SET on a miss (adding the key, so something is evicted). The hit ratio
// over the measured phase is reported for allkeys-lru and allkeys-lfu (maxmemory-samples 10) next
// to a true-LRU cache of RESIDENT keys fed the same sequence. Last, redis-benchmark SET throughput
// with maxmemory evicting on every write against the same server without a limit.

import { connect } from 'node:net'
import { benchmark, command, has, info, median, startServer, table } from './lib.mjs'
// The same key sequence for every server and the simulation.
import { prng } from '../out/engine/util/prng.js'

const RESIDENT = Number(process.env.EVICT_RESIDENT ?? 50_000)
const KEYSPACE = Number(process.env.EVICT_KEYSPACE ?? RESIDENT * 2.5)
const OPS = Number(process.env.EVICT_OPS ?? 1_000_000)
const BATCH = 100
const VALUE = 'v'.repeat(100)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)

/** 80/20: 80 % of the accesses go to the first 20 % of the keyspace, uniformly within each part. */
function pareto(rand) {
  const hot = Math.floor(KEYSPACE * 0.2)
  return () => (rand() < 0.8 ? Math.floor(rand() * hot) : hot + Math.floor(rand() * (KEYSPACE - hot)))
}

/** Zipf with s = 1 over the keyspace, by inverting its cumulative distribution. */
function zipf(rand) {
  const cdf = new Float64Array(KEYSPACE)
  let sum = 0
  for (let i = 0; i < KEYSPACE; i++) cdf[i] = sum += 1 / (i + 1)
  return () => {
    const u = rand() * sum
    let lo = 0
    let hi = KEYSPACE - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid] < u) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

const DISTRIBUTIONS = { '80/20': pareto, 'zipf s=1': zipf }
const keyName = (i) => `key:${i}`
const enc = (args) => `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')

/** A pipelining client that understands the replies this bench gets: +, -, :, and bulk strings. */
class Client {
  constructor(sock) {
    this.sock = sock
    this.buf = ''
    this.waiting = []
    sock.on('data', (d) => {
      this.buf += d.toString('latin1')
      this.drain()
    })
  }

  static open(port) {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Client(s)))
      s.once('error', reject)
    })
  }

  drain() {
    let pos = 0
    const out = []
    while (out.length < this.waiting.length) {
      const nl = this.buf.indexOf('\r\n', pos)
      if (nl < 0) break
      if (this.buf[pos] === '$') {
        const len = Number(this.buf.slice(pos + 1, nl))
        if (len < 0) {
          out.push(null)
          pos = nl + 2
          continue
        }
        if (this.buf.length < nl + 2 + len + 2) break
        out.push(this.buf.slice(nl + 2, nl + 2 + len))
        pos = nl + 2 + len + 2
      } else {
        out.push(this.buf.slice(pos, nl))
        pos = nl + 2
      }
    }
    if (out.length === 0) return
    this.buf = this.buf.slice(pos)
    const done = this.waiting.splice(0, out.length)
    done.forEach((w, i) => w(out[i]))
  }

  /** Sends the commands pipelined; resolves with their replies in order. */
  send(cmds) {
    const replies = Promise.all(cmds.map(() => new Promise((resolve) => this.waiting.push(resolve))))
    this.sock.write(cmds.map(enc).join(''), 'latin1')
    return replies
  }

  close() {
    this.sock.destroy()
  }
}

/**
 * The access loop: batches of GETs, then a SET for each miss of the batch. Returns the hit ratio of
 * the accesses after the first `warmup`; `tune` runs every tenth of the way.
 */
async function runAccesses(next, ops, warmup, lookup, tune = async () => {}) {
  let hits = 0
  let counted = 0
  for (let done = 0; done < ops; done += BATCH) {
    if (done % (BATCH * Math.max(1, Math.floor(ops / 10 / BATCH))) === 0) await tune()
    const keys = Array.from({ length: BATCH }, () => next())
    const found = await lookup(keys)
    if (done >= warmup) {
      counted += keys.length
      hits += found.filter(Boolean).length
    }
  }
  return hits / counted
}

/** True LRU of RESIDENT keys (a Map in recency order), same batches and miss handling. */
function trueLru(distribution, seed) {
  const next = DISTRIBUTIONS[distribution](prng(seed))
  const cache = new Map()
  for (let i = 0; i < RESIDENT; i++) cache.set(i, true)
  return runAccesses(next, OPS, OPS / 2, async (keys) => {
    const found = keys.map((k) => {
      if (!cache.has(k)) return false
      cache.delete(k)
      cache.set(k, true)
      return true
    })
    keys.forEach((k, i) => {
      if (found[i] || cache.has(k)) return
      cache.set(k, true)
      if (cache.size > RESIDENT) cache.delete(cache.keys().next().value)
    })
    return found
  })
}

async function onServer(kind, policy, distribution, seed) {
  const srv = await startServer(kind)
  try {
    const c = await Client.open(srv.port)
    const empty = Number((await info(srv.port, 'memory')).used_memory)
    for (let i = 0; i < RESIDENT; i += 1000) {
      await c.send(Array.from({ length: Math.min(1000, RESIDENT - i) }, (_, j) => ['SET', keyName(i + j), VALUE]))
    }
    let max = Number((await info(srv.port, 'memory')).used_memory)
    const perKey = (max - empty) / RESIDENT
    await c.send([
      ['CONFIG', 'SET', 'maxmemory-policy', policy],
      ['CONFIG', 'SET', 'maxmemory-samples', '10'],
      ['CONFIG', 'SET', 'maxmemory', String(max)],
    ])
    // Tables, buffers and allocator effects move used_memory while keys churn: steer maxmemory so
    // that each server keeps RESIDENT keys, as the true-LRU cache does.
    const sizes = []
    const tune = async () => {
      const [reply] = await c.send([['DBSIZE']])
      const size = Number(reply.slice(1))
      sizes.push(size)
      max += Math.round((RESIDENT - size) * perKey)
      await c.send([['CONFIG', 'SET', 'maxmemory', String(max)]])
    }
    const next = DISTRIBUTIONS[distribution](prng(seed))
    const ratio = await runAccesses(
      next,
      OPS,
      OPS / 2,
      async (keys) => {
        const replies = await c.send(keys.map((k) => ['GET', keyName(k)]))
        const found = replies.map((r) => r !== null)
        const misses = [...new Set(keys.filter((_, i) => !found[i]))]
        if (misses.length > 0) await c.send(misses.map((k) => ['SET', keyName(k), VALUE]))
        return found
      },
      tune,
    )
    // The mean key count over the measured half.
    const measured = sizes.slice(sizes.length / 2)
    const resident = Math.round(measured.reduce((a, b) => a + b, 0) / measured.length)
    const evicted = Number((await info(srv.port, 'stats')).evicted_keys)
    c.close()
    return { ratio, resident, evicted }
  } finally {
    await srv.stop()
  }
}

/**
 * SET throughput on random keys with maxmemory evicting on (nearly) every write, and without. Each
 * round runs both servers side by side and sends their 200 k SETs in BURSTS alternating bursts
 * (first one, then the other, swapping who goes first), so the two see the same moments of a
 * shared machine, whose speed drifts from second to second by more than eviction costs. A server's
 * throughput is its requests over the sum of its bursts' times; the ratio is the median of each
 * round's evicting / unlimited.
 */
const BURSTS = 10
const THROUGHPUT_REQUESTS = 200_000

async function throughput(kind) {
  const rps = { evicting: [], unlimited: [] }
  for (let round = 0; round < ROUNDS; round++) {
    const servers = { unlimited: await startServer(kind), evicting: await startServer(kind) }
    try {
      const ev = servers.evicting
      // A limit some ten thousand keys above empty (room for 50 clients' buffers too): once full,
      // every new key evicts one.
      const used = Number((await info(ev.port, 'memory')).used_memory)
      await command(ev.port, 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru')
      await command(ev.port, 'CONFIG', 'SET', 'maxmemory', String(used + 8_000_000))
      const seconds = { evicting: 0, unlimited: 0 }
      const per = THROUGHPUT_REQUESTS / BURSTS
      for (let b = 0; b < BURSTS; b++) {
        for (const mode of (round + b) % 2 === 0 ? ['unlimited', 'evicting'] : ['evicting', 'unlimited']) {
          const r = benchmark(servers[mode].port, 'set', {
            pipeline: 16,
            requests: per,
            extra: ['-r', '1000000', '-d', '100'],
          })
          seconds[mode] += per / Object.values(r)[0]
        }
      }
      if (Number((await info(ev.port, 'stats')).evicted_keys) === 0) {
        throw new Error(`${kind}: nothing was evicted during the evicting run`)
      }
      for (const mode of ['unlimited', 'evicting']) rps[mode].push(THROUGHPUT_REQUESTS / seconds[mode])
    } finally {
      await servers.unlimited.stop()
      await servers.evicting.stop()
    }
  }
  const ratios = rps.evicting.map((e, i) => e / rps.unlimited[i])
  return { evicting: median(rps.evicting), unlimited: median(rps.unlimited), ratio: median(ratios), ratios }
}

const withRedis = has('redis-server')
if (!withRedis) console.log('redis-server is not on PATH: reporting the engine and the true-LRU simulation only')
const kinds = withRedis ? ['strata', 'redis'] : ['strata']

// EVICT_THROUGHPUT_ONLY=1 skips the hit-ratio runs (a few minutes) when only throughput is wanted.
if (!process.env.EVICT_THROUGHPUT_ONLY) {
  console.log(
    `\nEviction quality: ${RESIDENT.toLocaleString('en-US')} resident keys, keyspace ${KEYSPACE.toLocaleString('en-US')}, ` +
      `${OPS.toLocaleString('en-US')} accesses (hit ratio over the second half), maxmemory-samples 10\n`,
  )
  const rows = []
  let seed = 1
  for (const distribution of Object.keys(DISTRIBUTIONS)) {
    seed++
    const lru = await trueLru(distribution, seed)
    for (const policy of ['allkeys-lru', 'allkeys-lfu']) {
      const res = {}
      for (const kind of kinds) res[kind] = await onServer(kind, policy, distribution, seed)
      const s = res.strata
      const r = res.redis
      rows.push([
        distribution,
        policy,
        (lru * 100).toFixed(2) + ' %',
        (s.ratio * 100).toFixed(2) + ' %',
        r ? (r.ratio * 100).toFixed(2) + ' %' : '—',
        ((s.ratio / lru) * 100).toFixed(1) + ' %',
        r ? (s.ratio - r.ratio >= 0 ? '+' : '') + ((s.ratio - r.ratio) * 100).toFixed(2) + ' pt' : '—',
        `${s.resident} / ${r ? r.resident : '—'}`,
      ])
    }
  }
  console.log(
    table(
      [
        'distribution',
        'policy',
        'true LRU',
        'Strata',
        'Redis',
        'Strata / true LRU',
        'Strata − Redis',
        'resident keys Strata / Redis',
      ],
      rows,
    ),
  )
}

console.log(
  `\nSET throughput, redis-benchmark -P 16 -r 1000000 -d 100, ${THROUGHPUT_REQUESTS.toLocaleString('en-US')} per server ` +
    `in ${BURSTS} alternating bursts, medians of ${ROUNDS} rounds (ratio: of each round's pair)\n`,
)
const tp = []
for (const kind of kinds) {
  const r = await throughput(kind)
  tp.push([
    kind,
    Math.round(r.unlimited).toLocaleString('en-US'),
    Math.round(r.evicting).toLocaleString('en-US'),
    r.ratio.toFixed(2),
    r.ratios.map((x) => x.toFixed(2)).join(' '),
  ])
}
console.log(table(['server', 'no maxmemory req/s', 'maxmemory, evicting req/s', 'ratio', 'each round'], tp))
