// Real clients against the engine over TCP: redis-cli (interactive, -x, --scan, --pipe),
// redis-benchmark, ioredis and node-redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { RawClient, requireProgram, startServer, type TestServer } from './helpers.js'

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

/**
 * Runs a program to completion without blocking the event loop (the engine under test runs in
 * this same process, so a synchronous exec would deadlock it).
 */
function run(program: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    p.stdout.on('data', (d) => (out += d.toString('latin1')))
    p.stderr.on('data', (d) => (err += d.toString('latin1')))
    p.once('error', reject)
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${program} exited ${code}: ${err}`))))
    p.stdin.end(input ?? '')
  })
}

function cli(args: string[], input?: string): Promise<string> {
  return run('redis-cli', ['-p', String(t.port), ...args], input)
}

const hasCli = requireProgram('redis-cli')
const hasBenchmark = requireProgram('redis-benchmark')

describe.runIf(hasCli)('redis-cli', () => {
  it('runs commands, reads a value from stdin with -x, and scans', async () => {
    expect((await cli(['SET', 'cli:a', 'hello'])).trim()).toBe('OK')
    expect((await cli(['-x', 'SET', 'cli:b'], 'from stdin\n')).trim()).toBe('OK')
    expect(await cli(['GET', 'cli:b'])).toBe('from stdin\n\n')
    for (let i = 0; i < 50; i++) await cli(['SET', `scan:${i}`, String(i)])
    const keys = (await cli(['--scan', '--pattern', 'scan:*'])).trim().split('\n').sort()
    expect(keys).toEqual(Array.from({ length: 50 }, (_, i) => `scan:${i}`).sort())
  })

  it('mass-inserts with --pipe', async () => {
    let input = ''
    for (let i = 0; i < 2000; i++) {
      const k = `pipe:${i}`
      const v = `value-${i}`
      input += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`
    }
    const out = await cli(['--pipe'], input)
    expect(out).toContain('errors: 0, replies: 2000')
    expect((await cli(['GET', 'pipe:1999'])).trim()).toBe('value-1999')
  })

  it('works interactively on a terminal', async () => {
    // `script` gives redis-cli a pseudo-terminal, so it runs its interactive prompt; TERM=dumb
    // keeps linenoise from querying the cursor position, which nothing here would answer.
    const p = spawn('script', ['-qec', `redis-cli -p ${t.port}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'dumb' },
    })
    let out = ''
    p.stdout.on('data', (d) => (out += d.toString('latin1')))
    const waitFor = async (s: string): Promise<void> => {
      for (let i = 0; i < 100 && !out.includes(s); i++) await new Promise((r) => setTimeout(r, 50))
      expect(out).toContain(s)
    }
    await waitFor(`127.0.0.1:${t.port}>`)
    p.stdin.write('SET interactive yes\n')
    await waitFor('OK')
    p.stdin.write('GET interactive\n')
    await waitFor('"yes"')
    p.stdin.write('SELECT 2\n')
    await waitFor(`127.0.0.1:${t.port}[2]>`)
    p.stdin.write('quit\n')
    await new Promise((r) => p.once('exit', r))
  })
})

describe.runIf(hasBenchmark)('redis-benchmark', () => {
  for (const pipeline of [1, 16]) {
    it(`completes set,get,incr,mset at -P ${pipeline}`, async () => {
      const out = await run('redis-benchmark', [
        '-p',
        String(t.port),
        '-t',
        'set,get,incr,mset',
        '-n',
        '3000',
        '-c',
        '10',
        '-P',
        String(pipeline),
        '--csv',
      ])
      const rows = out.trim().split('\n').slice(1)
      const tests = rows.map((r) => r.split(',')[0].replace(/"/g, ''))
      expect(tests).toEqual(['SET', 'GET', 'INCR', 'MSET (10 keys)'])
      for (const r of rows) expect(Number(r.split(',')[1].replace(/"/g, ''))).toBeGreaterThan(0)
    })
  }
})

describe('ioredis', () => {
  it('connects with HELLO 3 and its INFO ready check, pipelines, and handles binary values', async () => {
    const r = new Redis({ port: t.port, host: '127.0.0.1', lazyConnect: true })
    await r.connect()
    expect(await r.set('io:k', 'v', 'EX', 100)).toBe('OK')
    expect(await r.get('io:k')).toBe('v')
    expect(await r.ttl('io:k')).toBeGreaterThan(90)
    const bin = Buffer.from([0, 1, 2, 255, 254, 13, 10])
    await r.set('io:bin', bin)
    expect(await r.getBuffer('io:bin')).toEqual(bin)
    const res = await r.pipeline().incr('io:n').incr('io:n').get('io:n').exec()
    expect(res?.map(([, v]) => v)).toEqual([1, 2, '2'])
    await r.quit()
  })
})

describe('node-redis', () => {
  it('connects with its default RESP3 handshake and runs commands', async () => {
    const c = createClient({ socket: { port: t.port, host: '127.0.0.1' } })
    await c.connect()
    await c.set('nr:k', 'value')
    expect(await c.get('nr:k')).toBe('value')
    expect(await c.incrBy('nr:n', 5)).toBe(5)
    expect(await c.sendCommand(['CLIENT', 'SETNAME', 'node-redis'])).toBe('OK')
    expect(await c.dbSize()).toBeGreaterThan(0)
    await c.quit()
  })
})

describe('pipelining', () => {
  it('answers a large pipeline in order', async () => {
    const c = await RawClient.connect(t.port)
    let batch = ''
    for (let i = 0; i < 5000; i++) batch += `*2\r\n$4\r\nECHO\r\n$${String(i).length}\r\n${i}\r\n`
    c.writeRaw(batch)
    for (let i = 0; i < 5000; i++) expect(await c.next()).toBe(String(i))
    c.close()
  })
})
