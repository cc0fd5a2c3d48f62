// used_memory against the real RSS: for each type, a standalone engine process (the built
// engine/bin/strata-server.mjs) is loaded with 1,000,000 keys, and the growth of its accounted
// used_memory must stay within 15 % of the growth of its RSS. RSS is read after MEMORY PURGE (a
// full V8 GC, as jemalloc purges dirty pages), so garbage left by the load itself does not count.

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort, sleep } from './helpers.js'

const KEYS = 1_000_000
const BATCH = 10_000
const TOLERANCE = 0.15
const BIN = 'engine/bin/strata-server.mjs'

/** One command per key i, the way an application would fill a database with small values. */
const LOADS: Record<string, (i: number) => string[]> = {
  string: (i) => ['SET', `key:${i}`, `value-${String(i).padStart(10, '0')}`],
  list: (i) => ['RPUSH', `list:${i}`, 'alpha', 'beta', `item-${i}`],
  hash: (i) => ['HSET', `hash:${i}`, 'name', `user-${i}`, 'age', '42', 'city', 'Lisbon'],
  'set (hashtable)': (i) => ['SADD', `set:${i}`, 'red', 'green', `c${i}`],
  'set (intset)': (i) => ['SADD', `iset:${i}`, '1', '2', String(i)],
  zset: (i) => ['ZADD', `zset:${i}`, '1', 'one', '2.5', 'two', String(i), `m${i}`],
}

function encode(args: string[]): string {
  let s = `*${args.length}\r\n`
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`
  return s
}

/** A socket that sends commands and resolves after `n` one-line replies (+OK, :n) or one bulk reply. */
class Line {
  private buf = ''
  private want = 0
  private lines = 0
  private done: ((text: string) => void) | null = null

  constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1')
      this.check()
    })
  }

  private check(): void {
    if (this.done === null) return
    if (this.buf.startsWith('$')) {
      const m = /^\$(\d+)\r\n/.exec(this.buf)
      if (m === null || this.buf.length < m[0].length + Number(m[1]) + 2) return
      const text = this.buf.slice(m[0].length, m[0].length + Number(m[1]))
      this.buf = ''
      this.finish(text)
      return
    }
    let i: number
    while (this.lines < this.want && (i = this.buf.indexOf('\r\n')) >= 0) {
      if (this.buf[0] === '-') throw new Error(this.buf.slice(0, i))
      this.lines++
      this.buf = this.buf.slice(i + 2)
    }
    if (this.lines >= this.want) this.finish('')
  }

  private finish(text: string): void {
    const done = this.done as (text: string) => void
    this.done = null
    done(text)
  }

  send(text: string, replies: number): Promise<string> {
    this.want = replies
    this.lines = 0
    return new Promise((resolve) => {
      this.done = resolve
      this.sock.write(text, 'latin1')
    })
  }

  async info(): Promise<Record<string, number>> {
    const text = await this.send(encode(['INFO', 'memory']), 1)
    const out: Record<string, number> = {}
    for (const line of text.split('\r\n')) {
      const i = line.indexOf(':')
      if (i > 0) out[line.slice(0, i)] = Number(line.slice(i + 1))
    }
    return out
  }
}

let proc: ChildProcess | null = null
let sock: Socket | null = null
afterEach(async () => {
  sock?.destroy()
  if (proc !== null && proc.exitCode === null) {
    proc.kill('SIGKILL')
    await new Promise((r) => proc?.once('exit', r))
  }
  proc = null
})

async function startEngine(): Promise<Line> {
  if (!existsSync('out/engine/main.js')) throw new Error('build the engine first: npm run -s build:engine')
  const port = await freePort()
  proc = spawn(process.execPath, [BIN, '--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  for (let i = 0; i < 200; i++) {
    try {
      sock = await new Promise<Socket>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s))
        s.once('error', reject)
      })
      break
    } catch {
      await sleep(50)
    }
  }
  if (sock === null) throw new Error('engine did not start')
  return new Line(sock)
}

describe('used_memory tracks RSS growth across 1 M keys', () => {
  for (const [type, command] of Object.entries(LOADS)) {
    it(type, { timeout: 300_000 }, async () => {
      const c = await startEngine()
      await c.send(encode(['MEMORY', 'PURGE']), 1)
      const before = await c.info()
      for (let i = 0; i < KEYS; i += BATCH) {
        let text = ''
        for (let j = i; j < i + BATCH; j++) text += encode(command(j))
        await c.send(text, BATCH)
      }
      await c.send(encode(['MEMORY', 'PURGE']), 1)
      await sleep(500)
      const after = await c.info()
      const used = after.used_memory - before.used_memory
      const rss = after.used_memory_rss - before.used_memory_rss
      console.log(
        `${type}: used_memory +${(used / KEYS).toFixed(1)} B/key, RSS +${(rss / KEYS).toFixed(1)} B/key, ratio ${(used / rss).toFixed(3)}`,
      )
      expect(Math.abs(used - rss) / rss).toBeLessThanOrEqual(TOLERANCE)
    })
  }
})
