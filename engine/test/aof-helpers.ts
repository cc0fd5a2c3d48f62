// Shared by the AOF tests: an in-process engine started the way the standalone binary starts
// (persistence installed, data loaded from disk before listening), the binary itself as a child
// process, and a full typed dump of a server's dataset (every db, every key with its value and
// absolute expiry) for comparing Strata with Strata after a restart, or with a real Redis.

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Config, argsToConfigText } from '../src/server/config.js'
import { Server } from '../src/server/server.js'
import { initPersistence } from '../src/persistence/aof/index.js'
import { connect } from 'node:net'
import { RawClient, encodeCommand, freePort, sleep, type Reply } from './helpers.js'

export function tempDir(tag = 'strata-aof-'): string {
  return mkdtempSync(join(tmpdir(), tag))
}

export interface AofServer {
  srv: Server
  port: number
  dir: string
  logs: string[]
  close(): Promise<void>
}

/** An in-process engine on `dir` started as main.ts does: persistence first, then listen. */
export async function startAofServer(dir: string, args: string[] = []): Promise<AofServer> {
  const config = new Config()
  config.load(argsToConfigText(['--port', '0', '--dir', dir, '--save', '', ...args]))
  const srv = new Server(config)
  const logs: string[] = []
  srv.log.sink = (line: string) => void logs.push(line)
  initPersistence(srv)
  const port = await srv.listen()
  return {
    srv,
    port,
    dir,
    logs,
    async close() {
      await srv.shutdown(false)
    },
  }
}

/** Runs `npm run -s build:engine` (the binary imports out/engine). */
export function buildEngine(): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('npm', ['run', '-s', 'build:engine'], { stdio: 'inherit' })
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build:engine exited with ${code}`))))
  })
}

export interface EngineProcess {
  proc: ChildProcess
  port: number
  output: () => string
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Starts `node engine/bin/strata-server.mjs` on a free port; resolves once it answers PING. */
export async function spawnEngine(dir: string, args: string[] = []): Promise<EngineProcess> {
  const port = await freePort()
  const proc = spawn(
    process.execPath,
    ['engine/bin/strata-server.mjs', '--port', String(port), '--dir', dir, '--save', '', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  let exitCode: number | null | undefined
  void exited.then((c) => (exitCode = c))
  const e: EngineProcess = {
    proc,
    port,
    output: () => out,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (exitCode === undefined) proc.kill(signal)
      await exited
    },
  }
  for (let i = 0; i < 300; i++) {
    if (exitCode !== undefined) return e
    try {
      const c = await RawClient.connect(port)
      const r = await c.call('PING')
      c.close()
      if (r === 'PONG') return e
    } catch {
      await sleep(50)
    }
  }
  await e.kill()
  throw new Error(`engine did not start:\n${out}`)
}

/** Every key of every db with its type, value (members sorted) and absolute expiry. */
export async function dumpDataset(port: number, dbs = 16): Promise<Map<string, unknown>> {
  const c = await RawClient.connect(port)
  const out = new Map<string, unknown>()
  try {
    for (let db = 0; db < dbs; db++) {
      await c.call('SELECT', db)
      let cursor = '0'
      do {
        const [next, keys] = (await c.call('SCAN', cursor, 'COUNT', 1000)) as [string, string[]]
        cursor = next
        const vals = await Promise.all(keys.map((k) => readKey(c, k)))
        keys.forEach((k, i) => out.set(`${db}:${k}`, vals[i]))
      } while (cursor !== '0')
    }
  } finally {
    c.close()
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)))
}

async function readKey(c: RawClient, k: string): Promise<unknown> {
  const [type, exp] = (await Promise.all([c.call('TYPE', k), c.call('PEXPIRETIME', k)])) as [string, Reply]
  let val: Reply
  if (type === 'string') val = await c.call('GET', k)
  else if (type === 'list') val = await c.call('LRANGE', k, 0, -1)
  else if (type === 'set') val = ((await c.call('SMEMBERS', k)) as string[]).sort()
  else if (type === 'zset') val = await c.call('ZRANGE', k, 0, -1, 'WITHSCORES')
  else if (type === 'hash') val = pairsSorted((await c.call('HGETALL', k)) as string[])
  else val = `unsupported type ${type}`
  return { type, exp, val }
}

function pairsSorted(flat: string[]): string[][] {
  const pairs: string[][] = []
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]])
  return pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1))
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** Waits until no AOF rewrite runs or is scheduled. */
export async function waitRewrite(port: number): Promise<void> {
  const c = await RawClient.connect(port)
  try {
    for (let i = 0; i < 3000; i++) {
      const info = (await c.call('INFO', 'persistence')) as string
      if (info.includes('aof_rewrite_in_progress:0') && info.includes('aof_rewrite_scheduled:0')) return
      await sleep(10)
    }
  } finally {
    c.close()
  }
  throw new Error('the AOF rewrite did not finish')
}

/** Sends commands whose replies are one line each (+OK, :n) in one pipeline; resolves when all are answered. */
export function pipelineSimple(port: number, cmds: (string | number)[][]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' })
    let lines = 0
    s.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 10) lines++
      if (lines >= cmds.length) {
        s.end()
        resolve()
      }
    })
    s.on('error', reject)
    s.on('connect', () => {
      for (let i = 0; i < cmds.length; i += 1000) s.write(Buffer.concat(cmds.slice(i, i + 1000).map(encodeCommand)))
    })
  })
}
