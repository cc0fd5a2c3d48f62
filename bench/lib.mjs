// Shared bench plumbing: start the engine and a real redis-server on free ports, run
// redis-benchmark, read INFO, and print tables with ratios engine / Redis.

import { spawn, execFileSync } from 'node:child_process'
import { createServer, connect } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENGINE_NODE_FLAGS } from '../out/engine/util/heap.js'

const BIN = 'engine/bin/strata-server.mjs'

export function has(program) {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export function freePort() {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** The reply text when buf holds one whole reply (a bulk string, or a one-line reply), else null. */
function wholeReply(buf) {
  const m = /^\$(\d+)\r\n/.exec(buf)
  if (m) return buf.length >= m[0].length + Number(m[1]) + 2 ? buf.slice(m[0].length, m[0].length + Number(m[1])) : null
  return buf.endsWith('\r\n') && buf[0] !== '$' ? buf.trim() : null
}

const encode = (args) =>
  `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')

/** Sends one command on a connection of its own and resolves with the raw reply text. */
export function command(port, ...args) {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' })
    let buf = ''
    s.on('data', (d) => {
      buf += d.toString('latin1')
      const reply = wholeReply(buf)
      if (reply !== null) {
        s.end()
        resolve(reply)
      }
    })
    s.on('error', reject)
    s.write(encode(args))
  })
}

/**
 * One connection for a stream of commands, one at a time, as a monitoring tool keeps it: polling
 * over new connections would make the server accept and free a client every few milliseconds,
 * which on its own doubles other clients' GET p99 on both servers (measured).
 */
export function session(port) {
  const s = connect({ port, host: '127.0.0.1' })
  let buf = ''
  let waiting = null
  s.on('data', (d) => {
    buf += d.toString('latin1')
    const reply = wholeReply(buf)
    if (reply !== null && waiting) {
      buf = ''
      const w = waiting
      waiting = null
      w.resolve(reply)
    }
  })
  s.on('error', (e) => waiting?.reject(e))
  return {
    command: (...args) =>
      new Promise((resolve, reject) => {
        waiting = { resolve, reject }
        s.write(encode(args))
      }),
    close: () => s.end(),
  }
}

/** INFO text as an object of fields. */
export function parseInfo(text) {
  const out = {}
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':')
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1)
  }
  return out
}

export async function info(port, section) {
  return parseInfo(await command(port, 'INFO', section))
}

/** Waits for PONG; a server loading a large dump at start answers only after it. */
async function waitReady(port, timeoutMs) {
  for (let i = 0; i < timeoutMs / 50; i++) {
    try {
      if ((await command(port, 'PING')) === '+PONG') return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`server on port ${port} did not start`)
}

/** Starts a server process; kind is 'strata' or 'redis'. readyTimeoutMs covers a long data load. */
export async function startServer(kind, extraArgs = [], { readyTimeoutMs = 120_000 } = {}) {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), `bench-${kind}-`))
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    ...extraArgs,
  ]
  const proc =
    kind === 'strata'
      ? spawn(
          process.execPath,
          [...ENGINE_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), BIN, ...args],
          { stdio: 'ignore' },
        )
      : spawn('redis-server', args, { stdio: 'ignore' })
  await waitReady(port, readyTimeoutMs)
  return {
    kind,
    port,
    dir,
    pid: proc.pid,
    async stop() {
      proc.kill('SIGKILL')
      await new Promise((r) => proc.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Runs redis-benchmark for one test and returns requests per second. */
export function benchmark(port, test, { pipeline = 1, requests = 100000, clients = 50, extra = [] } = {}) {
  const out = execFileSync(
    'redis-benchmark',
    [
      '-p',
      String(port),
      '-t',
      test,
      '-n',
      String(requests),
      '-c',
      String(clients),
      '-P',
      String(pipeline),
      '--csv',
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  )
  const rows = out.trim().split('\n').slice(1)
  const results = {}
  for (const row of rows) {
    const cols = row.split(',').map((c) => c.replace(/"/g, ''))
    results[cols[0]] = Number(cols[1])
  }
  return results
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

export function geomean(xs) {
  return Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length)
}

export function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(w[i])).join(' | ') + ' |'
  return [line(headers), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...rows.map(line)].join('\n')
}

/** Loads n string keys of `valueSize` bytes with a pipelined stream over one connection. */
export function loadStrings(port, n, valueSize = 16) {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' })
    const value = 'v'.repeat(valueSize)
    let acked = 0
    let sent = 0
    const batch = 10000
    s.on('data', (d) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 10) acked++
      if (acked >= n) {
        s.end()
        resolve()
      } else if (sent - acked < batch * 2) send()
    })
    s.on('error', reject)
    const send = () => {
      let chunk = ''
      const end = Math.min(n, sent + batch)
      for (; sent < end; sent++) {
        const k = `key:${String(sent).padStart(12, '0')}`
        chunk += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${valueSize}\r\n${value}\r\n`
      }
      if (chunk) s.write(chunk)
    }
    s.on('connect', () => {
      send()
      send()
    })
  })
}
