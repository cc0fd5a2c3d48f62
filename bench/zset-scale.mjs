// `npm run bench:zset`: ZADD and ZRANGE cost as a sorted set grows (1 k, 100 k, 1 M members), on
// the engine and on a real Redis in the same run. Each size is filled with pipelined ZADDs, then
// 20,000 timed ZADDs of new members and 20,000 ZRANGE key rank rank+9 at random ranks are sent in
// pipelined batches of 100; the table shows microseconds per command. O(log n) shows as a slowly
// growing column, O(n) as one that grows 1000× from 1 k to 1 M.

import { connect } from 'node:net'
import { has, startServer, table } from './lib.mjs'

const SIZES = (process.env.BENCH_ZSET_SIZES ?? '1000,100000,1000000').split(',').map(Number)
const OPS = 20_000
const BATCH = 100

function client(port) {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' })
    s.once('error', reject)
    s.once('connect', () => {
      let pending = 0
      let done = null
      let tail = ''
      s.on('data', (d) => {
        // Count complete top-level replies: each reply here is one line (:n) or an array of bulks.
        tail += d.toString('latin1')
        let i = 0
        for (;;) {
          if (i >= tail.length) break
          if (tail[i] === ':' || tail[i] === '+') {
            const nl = tail.indexOf('\r\n', i)
            if (nl < 0) break
            i = nl + 2
          } else if (tail[i] === '*') {
            const nl = tail.indexOf('\r\n', i)
            if (nl < 0) break
            let n = Number(tail.slice(i + 1, nl))
            let j = nl + 2
            let ok = true
            while (n-- > 0) {
              const hl = tail.indexOf('\r\n', j)
              if (hl < 0) {
                ok = false
                break
              }
              const len = Number(tail.slice(j + 1, hl))
              if (hl + 2 + len + 2 > tail.length) {
                ok = false
                break
              }
              j = hl + 2 + len + 2
            }
            if (!ok) break
            i = j
          } else throw new Error(`unexpected reply ${tail.slice(i, i + 40)}`)
          pending--
        }
        tail = tail.slice(i)
        if (pending === 0 && done) {
          const d2 = done
          done = null
          d2()
        }
      })
      resolve({
        send(cmds) {
          pending += cmds.length
          return new Promise((r) => {
            done = r
            s.write(
              cmds
                .map((a) => `*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(String(x))}\r\n${x}\r\n`).join(''))
                .join(''),
            )
          })
        },
        close: () => s.end(),
      })
    })
  })
}

async function measure(port, size) {
  const c = await client(port)
  const key = `z${size}`
  for (let i = 0; i < size; i += 1000) {
    const cmd = ['ZADD', key]
    for (let j = i; j < Math.min(size, i + 1000); j++) cmd.push(Math.random() * 1e9, `m${j}`)
    await c.send([cmd])
  }
  const time = async (make) => {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < OPS; i += BATCH) await c.send(Array.from({ length: BATCH }, (_, k) => make(i + k)))
    return Number(process.hrtime.bigint() - t0) / 1000 / OPS
  }
  const zadd = await time((i) => ['ZADD', key, Math.random() * 1e9, `new${i}`])
  const zrange = await time(() => {
    const r = Math.floor(Math.random() * size)
    return ['ZRANGE', key, r, r + 9]
  })
  c.close()
  return { zadd, zrange }
}

const kinds = has('redis-server') ? ['strata', 'redis'] : ['strata']
const rows = []
for (const size of SIZES) {
  const r = {}
  for (const kind of kinds) {
    const srv = await startServer(kind)
    r[kind] = await measure(srv.port, size)
    await srv.stop()
  }
  rows.push([
    size.toLocaleString('en-US'),
    r.strata.zadd.toFixed(2),
    r.redis ? r.redis.zadd.toFixed(2) : '—',
    r.strata.zrange.toFixed(2),
    r.redis ? r.redis.zrange.toFixed(2) : '—',
  ])
}
console.log(`\nSorted set cost by size (µs per command, pipelined batches of ${BATCH})\n`)
console.log(table(['members', 'Strata ZADD', 'Redis ZADD', 'Strata ZRANGE r r+9', 'Redis ZRANGE r r+9'], rows))
