// `npm run bench`: redis-benchmark against the Strata engine and, when redis-server is on PATH,
// a real Redis started in the same run. Tests are interleaved (engine, Redis, engine, …) and the
// median of the rounds is reported with the ratio engine / Redis, for -P 1 and -P 16. Then the
// RSS of 1,000,000 SET keys with 16-byte values on each server.

import { benchmark, geomean, has, info, loadStrings, median, startServer, table } from './lib.mjs'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const TESTS = (process.env.BENCH_TESTS ?? 'set,get,incr,mset,lpush,rpush,lpop,sadd,hset,zadd,lrange_100').split(',')
const MEM_KEYS = Number(process.env.BENCH_MEM_KEYS ?? 1_000_000)
const PIPELINES = (process.env.BENCH_PIPELINES ?? '1,16').split(',').map(Number)

if (!has('redis-benchmark')) {
  console.error('redis-benchmark is not installed (Debian: apt-get install redis-tools)')
  process.exit(1)
}
const withRedis = has('redis-server')
if (!withRedis) console.log('redis-server is not on PATH: reporting the engine alone, without ratios')

async function throughput() {
  const engine = await startServer('strata')
  const redis = withRedis ? await startServer('redis') : null
  // Commands the engine does not implement yet are reported as such instead of failing the run.
  const supported = []
  for (const t of TESTS) {
    try {
      const r = benchmark(engine.port, t, { requests: 2000 })
      if (Object.values(r).every((v) => v > 0)) supported.push(t)
    } catch {
      console.log(`skipping ${t}: the engine does not support it yet`)
    }
  }
  const results = []
  for (const pipeline of PIPELINES) {
    const requests = pipeline === 1 ? 100_000 : 500_000
    const samples = {}
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of supported) {
        for (const srv of redis ? [engine, redis] : [engine]) {
          const r = benchmark(srv.port, t, { pipeline, requests })
          for (const [name, rps] of Object.entries(r)) {
            const key = `${name}|${srv.kind}`
            ;(samples[key] ??= []).push(rps)
          }
        }
      }
    }
    const names = [...new Set(Object.keys(samples).map((k) => k.split('|')[0]))]
    for (const name of names) {
      const e = median(samples[`${name}|strata`])
      const r = redis ? median(samples[`${name}|redis`]) : null
      results.push({ pipeline, name, engine: e, redis: r, ratio: r ? e / r : null })
    }
  }
  await engine.stop()
  await redis?.stop()
  return results
}

async function memory() {
  const out = []
  for (const kind of withRedis ? ['strata', 'redis'] : ['strata']) {
    const srv = await startServer(kind)
    const before = Number((await info(srv.port, 'memory')).used_memory_rss)
    const t0 = Date.now()
    await loadStrings(srv.port, MEM_KEYS, 16)
    const loadMs = Date.now() - t0
    // Let the allocator settle (V8 may finish a GC cycle) before reading RSS.
    await new Promise((r) => setTimeout(r, 1500))
    const m = await info(srv.port, 'memory')
    const k = await info(srv.port, 'keyspace')
    out.push({ kind, rss: Number(m.used_memory_rss), before, keys: k.db0, loadMs })
    await srv.stop()
  }
  return out
}

const tp = await throughput()
const fmt = (n) => (n === null ? '—' : Math.round(n).toLocaleString('en-US'))
console.log(`\nThroughput (redis-benchmark, 50 clients, median of ${ROUNDS} interleaved rounds)\n`)
console.log(
  table(
    ['-P', 'test', 'Strata req/s', 'Redis req/s', 'ratio'],
    tp.map((r) => [r.pipeline, r.name, fmt(r.engine), fmt(r.redis), r.ratio === null ? '—' : r.ratio.toFixed(2)]),
  ),
)
if (withRedis) {
  for (const p of PIPELINES) {
    const core = tp.filter((r) => r.pipeline === p && ['SET', 'GET', 'INCR'].includes(r.name))
    if (core.length)
      console.log(`geometric mean ratio set/get/incr at -P ${p}: ${geomean(core.map((r) => r.ratio)).toFixed(2)}`)
  }
}
if (MEM_KEYS > 0) {
  const mem = await memory()
  console.log(`\nMemory: ${MEM_KEYS.toLocaleString('en-US')} SET keys with 16-byte values\n`)
  console.log(
    table(
      ['server', 'keys', 'RSS before', 'RSS after', 'load ms'],
      mem.map((m) => [
        m.kind,
        m.keys,
        `${(m.before / 2 ** 20).toFixed(1)} MiB`,
        `${(m.rss / 2 ** 20).toFixed(1)} MiB`,
        m.loadMs,
      ]),
    ),
  )
  if (mem.length === 2) console.log(`RSS ratio Strata / Redis: ${(mem[0].rss / mem[1].rss).toFixed(2)}`)
}
