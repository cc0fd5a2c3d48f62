// `npm run bench:backup`: a console backup (replication handshake → sha256 + RDB validation in the
// worker → local target, temp file, fsync, rename, sidecar, catalog) of a BENCH_BACKUP_KEYS string
// dataset (default 1,000,000) against `redis-cli --rdb` from the same server, timed wall-clock from
// the request to the finished file. Prints the speed ratio (console / redis-cli; the goal is ≥ 0.8)
// for the Strata engine, and for real Redis when redis-server is on PATH. Each of BENCH_BACKUP_ROUNDS
// rounds (default 9) times one of each back to back, the first of the pair alternating, so a noisy
// neighbour hits both alike; the table shows the medians of each side, their ratio, and the median
// (and range) of the rounds' own ratios.

import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { has, loadStrings, median, startServer, table } from './lib.mjs'

const KEYS = Number(process.env.BENCH_BACKUP_KEYS ?? 1_000_000)
const ROUNDS = Number(process.env.BENCH_BACKUP_ROUNDS ?? 9)

/** The built web host without an engine, and a client for its WebSocket API. */
async function startConsole(dataDir) {
  const proc = spawn(process.execPath, ['out/main/web.js', '--port', '0', '--data-dir', dataDir, '--no-engine'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise((resolve, reject) => {
    let buf = ''
    proc.stdout.on('data', (d) => {
      buf += d
      const line = buf.split('\n').find((l) => l.startsWith('http://'))
      if (line) resolve(new URL(line.trim()))
    })
    proc.once('exit', (c) => reject(new Error(`web host exited with ${c}`)))
  })
  const ws = new WebSocket(`ws://127.0.0.1:${url.port}/api?token=${url.searchParams.get('token')}`, {
    origin: `http://127.0.0.1:${url.port}`,
  })
  await new Promise((r, j) => ws.once('open', r).once('error', j))
  const waiting = new Map()
  const listeners = new Set()
  let next = 1
  ws.on('message', (data) => {
    const m = JSON.parse(String(data))
    if (m.event) for (const l of listeners) l(m.event, m.payload)
    else waiting.get(m.id)?.(m)
  })
  return {
    call(method, args = {}) {
      return new Promise((resolve, reject) => {
        const id = next++
        waiting.set(id, (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error.message))))
        ws.send(JSON.stringify({ id, method, args }))
      })
    },
    on: (l) => listeners.add(l),
    off: (l) => listeners.delete(l),
    async close() {
      ws.close()
      proc.kill('SIGTERM')
      await new Promise((r) => proc.once('exit', r))
    },
  }
}

/** One console backup: ms from the request until the backup is recorded good. */
async function consoleBackup(api, conn, target) {
  const t0 = performance.now()
  let backupId = null
  const done = new Promise((resolve) => {
    const l = (event, p) => {
      if (event === 'backups.changed' && backupId) {
        api.call('backups.list', {}).then((list) => {
          const row = list.find((b) => b.id === backupId)
          if (row && row.status !== 'running') {
            api.off(l)
            resolve(row)
          }
        })
      }
      void p
    }
    api.on(l)
  })
  backupId = (await api.call('backups.run', { conn, target })).backup
  const row = await done
  if (row.status !== 'good') throw new Error(`backup failed: ${row.error}`)
  return { ms: performance.now() - t0, bytes: row.bytes }
}

function cliBackup(port, file) {
  const t0 = performance.now()
  execFileSync('redis-cli', ['-p', String(port), '--rdb', file], { stdio: 'ignore' })
  return { ms: performance.now() - t0, bytes: statSync(file).size }
}

async function measure(kind, extraArgs) {
  const server = await startServer(kind, extraArgs)
  const work = mkdtempSync(join(tmpdir(), 'bench-backup-'))
  const api = await startConsole(join(work, 'console'))
  try {
    await loadStrings(server.port, KEYS, 16)
    const conn = (await api.call('connections.save', { name: kind, host: '127.0.0.1', port: server.port })).id
    const target = (await api.call('backups.saveTarget', { name: 'bench', kind: 'local', path: join(work, 'target') }))
      .id
    const cliFile = join(work, 'cli.rdb')
    cliBackup(server.port, cliFile)
    await consoleBackup(api, conn, target)
    const cli = []
    const ours = []
    let bytes = 0
    for (let i = 0; i < ROUNDS; i++) {
      const viaConsole = async () => {
        const r = await consoleBackup(api, conn, target)
        ours.push(r.ms)
        bytes = r.bytes
      }
      if (i % 2) await viaConsole()
      cli.push(cliBackup(server.port, cliFile).ms)
      if (!(i % 2)) await viaConsole()
    }
    const paired = cli.map((c, i) => c / ours[i])
    const c = median(cli)
    const o = median(ours)
    return { kind, bytes, cli: c, ours: o, ratio: c / o, paired }
  } finally {
    await api.close()
    await server.stop()
    rmSync(work, { recursive: true, force: true })
  }
}

const rows = []
rows.push(await measure('strata', []))
if (has('redis-server')) rows.push(await measure('redis', ['--repl-diskless-sync-delay', '0']))
const mb = (b, ms) => ((b / (1 << 20)) * 1000) / ms
console.log(
  `Backup of ${KEYS.toLocaleString()} string keys to a local target, medians of ${ROUNDS} paired rounds (alternating which goes first)`,
)
console.log(
  table(
    ['server', 'RDB size', 'redis-cli --rdb', 'console backup', 'ratio of medians', 'paired ratio: median (range)'],
    rows.map((r) => [
      r.kind,
      `${(r.bytes / (1 << 20)).toFixed(1)} MB`,
      `${r.cli.toFixed(0)} ms (${mb(r.bytes, r.cli).toFixed(0)} MB/s)`,
      `${r.ours.toFixed(0)} ms (${mb(r.bytes, r.ours).toFixed(0)} MB/s)`,
      r.ratio.toFixed(2),
      `${median(r.paired).toFixed(2)} (${Math.min(...r.paired).toFixed(2)}–${Math.max(...r.paired).toFixed(2)})`,
    ]),
  ),
)
