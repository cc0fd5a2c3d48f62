// Test harness: starts real engine servers on free ports (in-process or as the standalone binary),
// real redis-server processes for comparison, and a small raw RESP client that returns replies as
// plain values so tests can assert Redis's exact shapes and error texts.

import { connect, type Socket } from 'node:net'
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { Config, argsToConfigText } from '../src/server/config.js'
import { Server } from '../src/server/server.js'

export class ReplyError {
  constructor(readonly message: string) {}
  toString(): string {
    return this.message
  }
}

export type Reply =
  | string
  | number
  | bigint
  | null
  | boolean
  | ReplyError
  | Reply[]
  | Map<Reply, Reply>
  | Set<Reply>
  | { push: Reply[] }
  | { double: number }

export interface TestServer {
  srv: Server
  port: number
  dir: string
  close(): Promise<void>
}

/** Starts an in-process engine on a free port with `--name value` style overrides. */
export async function startServer(args: string[] = []): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-test-'))
  const config = new Config()
  config.load(argsToConfigText(['--port', '0', '--dir', dir, '--save', '', ...args]))
  const srv = new Server(config)
  srv.log.sink = () => {}
  const port = await srv.listen()
  return {
    srv,
    port,
    dir,
    async close() {
      await srv.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A RESP client over a real socket that parses RESP2 and RESP3 replies. */
export class RawClient {
  private buf = Buffer.alloc(0)
  private readonly waiters: ((r: Reply) => void)[] = []
  /** Push messages (RESP3 `>` or pub/sub arrays read with readPush). */
  readonly pushes: Reply[] = []
  closed = false

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d])
      this.drain()
    })
    socket.on('close', () => {
      this.closed = true
    })
    socket.on('error', () => {})
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    const s = connect({ port, host })
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve)
      s.once('error', reject)
    })
    return new RawClient(s)
  }

  /** Sends one command as a multibulk and resolves with its reply. */
  call(...args: (string | number | Buffer)[]): Promise<Reply> {
    this.socket.write(encodeCommand(args))
    return this.next()
  }

  /** Sends raw bytes (inline commands, protocol garbage). */
  writeRaw(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)
  }

  /** The next reply (or push) from the server. */
  next(timeoutMs = 5000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timed out waiting for a reply')), timeoutMs)
      this.waiters.push((r) => {
        clearTimeout(t)
        resolve(r)
      })
      this.drain()
    })
  }

  /** Resolves when the server closes the connection. */
  waitClose(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection not closed')), timeoutMs)
      this.socket.once('close', () => {
        clearTimeout(t)
        resolve()
      })
    })
  }

  close(): void {
    this.socket.destroy()
  }

  private drain(): void {
    while (this.waiters.length > 0) {
      const r = parseReply(this.buf, 0)
      if (r === null) return
      this.buf = this.buf.subarray(r.end)
      ;(this.waiters.shift() as (r: Reply) => void)(r.value)
    }
  }
}

export function encodeCommand(args: (string | number | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1')
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

function parseReply(buf: Buffer, pos: number): { value: Reply; end: number } | null {
  if (pos >= buf.length) return null
  const nl = buf.indexOf('\r\n', pos)
  if (nl < 0) return null
  const type = String.fromCharCode(buf[pos])
  const line = buf.toString('latin1', pos + 1, nl)
  const after = nl + 2
  const aggregate = (n: number): { items: Reply[]; end: number } | null => {
    const items: Reply[] = []
    let p = after
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p)
      if (r === null) return null
      items.push(r.value)
      p = r.end
    }
    return { items, end: p }
  }
  switch (type) {
    case '+':
      return { value: line, end: after }
    case '-':
      return { value: new ReplyError(line), end: after }
    case ':': {
      const n = BigInt(line)
      return {
        value: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n,
        end: after,
      }
    }
    case '$':
    case '=': {
      const len = Number(line)
      if (len < 0) return { value: null, end: after }
      if (after + len + 2 > buf.length) return null
      let s = buf.toString('latin1', after, after + len)
      if (type === '=') s = s.slice(4)
      return { value: s, end: after + len + 2 }
    }
    case '_':
      return { value: null, end: after }
    case '#':
      return { value: line === 't', end: after }
    case ',':
      return { value: { double: line === 'inf' ? Infinity : line === '-inf' ? -Infinity : Number(line) }, end: after }
    case '(':
      return { value: BigInt(line), end: after }
    case '*':
    case '~':
    case '>': {
      const n = Number(line)
      if (n < 0) return { value: null, end: after }
      const r = aggregate(n)
      if (r === null) return null
      const value: Reply = type === '~' ? new Set(r.items) : type === '>' ? { push: r.items } : r.items
      return { value, end: r.end }
    }
    case '%': {
      const r = aggregate(Number(line) * 2)
      if (r === null) return null
      const m = new Map<Reply, Reply>()
      for (let i = 0; i < r.items.length; i += 2) m.set(r.items[i], r.items[i + 1])
      return { value: m, end: r.end }
    }
    default:
      throw new Error(
        `unexpected reply type ${JSON.stringify(type)} in ${JSON.stringify(buf.toString('latin1', pos, pos + 40))}`,
      )
  }
}

/** True when a program is on PATH. CI installs redis-server and redis-tools, so there it always is. */
export function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** In CI every external program must be present: a missing one is a failure, not a skip. */
export function requireProgram(name: string): boolean {
  const ok = hasProgram(name)
  if (!ok && process.env.CI) throw new Error(`${name} is required in CI but is not installed`)
  if (!ok) console.warn(`skipping: ${name} is not installed`)
  return ok
}

export interface RealRedis {
  port: number
  dir: string
  proc: ChildProcess
  close(): Promise<void>
}

/** Starts a real redis-server on a free port in a temp dir. */
export async function startRealRedis(args: string[] = []): Promise<RealRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'real-redis-'))
  const port = await freePort()
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args],
    {
      stdio: 'ignore',
    },
  )
  for (let i = 0; i < 100; i++) {
    try {
      const c = await RawClient.connect(port)
      const r = await c.call('PING')
      c.close()
      if (r === 'PONG') break
    } catch {
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    port,
    dir,
    proc,
    async close() {
      proc.kill('SIGKILL')
      await new Promise((r) => proc.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/**
 * One server and one client for a whole file or describe block: started before its first test,
 * closed after its last; `use` receives them (assign them to the block's variables).
 */
export function withServer(use: (t: TestServer, c: RawClient) => void): void {
  let t: TestServer
  let c: RawClient
  beforeAll(async () => {
    t = await startServer()
    c = await RawClient.connect(t.port)
    use(t, c)
  })
  afterAll(async () => {
    c.close()
    await t.close()
  })
}
