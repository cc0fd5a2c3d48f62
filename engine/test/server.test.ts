import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RawClient, ReplyError, freePort, sleep, startServer, type TestServer } from './helpers.js'
import { Config, ConfigError } from '../src/server/config.js'

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

function infoFields(text: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':')
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1))
  }
  return m
}

describe('INFO', () => {
  it('reports Redis 7 field names per section', async () => {
    const c = await RawClient.connect(t.port)
    const text = (await c.call('INFO')) as string
    for (const h of [
      '# Server',
      '# Clients',
      '# Memory',
      '# Persistence',
      '# Stats',
      '# Replication',
      '# CPU',
      '# Keyspace',
    ]) {
      expect(text).toContain(h)
    }
    const f = infoFields(text)
    for (const k of [
      'redis_version',
      'tcp_port',
      'connected_clients',
      'used_memory',
      'used_memory_rss',
      'maxmemory_policy',
      'rdb_changes_since_last_save',
      'aof_enabled',
      'total_commands_processed',
      'expired_keys',
      'evicted_keys',
      'keyspace_hits',
      'role',
      'used_cpu_user',
    ]) {
      expect(f.has(k), k).toBe(true)
    }
    expect(f.get('tcp_port')).toBe(String(t.port))
    expect(Number(f.get('used_memory_rss'))).toBeGreaterThan(1_000_000)
    const stats = infoFields((await c.call('INFO', 'stats')) as string)
    expect(stats.has('keyspace_hits')).toBe(true)
    expect(stats.has('redis_version')).toBe(false)
    c.close()
  })

  it('counts commands, errors and keyspace entries', async () => {
    const c = await RawClient.connect(t.port)
    await c.call('SET', 'info:k', 'v')
    await c.call('GET', 'info:k')
    await c.call('NOSUCHCMD')
    const all = infoFields((await c.call('INFO', 'all')) as string)
    expect(all.get('cmdstat_set')).toMatch(/^calls=\d+,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0$/)
    expect(Number(all.get('errorstat_ERR')?.replace('count=', ''))).toBeGreaterThanOrEqual(1)
    expect(all.get('db0')).toMatch(/^keys=\d+,expires=0,avg_ttl=0$/)
    expect(Number(all.get('keyspace_hits'))).toBeGreaterThanOrEqual(1)
    c.close()
  })
})

describe('CONFIG', () => {
  it('gets by glob including aliases, sets atomically with Redis errors', async () => {
    const c = await RawClient.connect(t.port)
    const r = (await c.call('CONFIG', 'GET', 'hash-max-*-entries')) as string[]
    expect(r).toEqual(expect.arrayContaining(['hash-max-listpack-entries', '512', 'hash-max-ziplist-entries', '512']))
    expect(await c.call('CONFIG', 'SET', 'maxmemory', '10mb', 'maxmemory-policy', 'allkeys-lru')).toBe('OK')
    expect(await c.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '10485760'])
    expect(await c.call('CONFIG', 'SET', 'maxmemory', '1', 'maxmemory-policy', 'bogus')).toEqual(
      new ReplyError(
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
      ),
    )
    expect(await c.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '10485760'])
    expect(await c.call('CONFIG', 'SET', 'nope', '1')).toEqual(
      new ReplyError("ERR Unknown option or number of arguments for CONFIG SET - 'nope'"),
    )
    expect(await c.call('CONFIG', 'SET', 'databases', '3')).toEqual(
      new ReplyError("ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"),
    )
    expect(await c.call('CONFIG', 'SET', 'hz', 'abc')).toEqual(
      new ReplyError(
        "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
      ),
    )
    expect(await c.call('CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'noeviction')).toBe('OK')
    expect(await c.call('CONFIG', 'REWRITE')).toEqual(new ReplyError('ERR The server is running without a config file'))
    c.close()
  })

  it('CONFIG REWRITE keeps comments and unknown-order lines, updates values, appends changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-conf-'))
    const file = join(dir, 'redis.conf')
    writeFileSync(file, '# my settings\nport 6379\n\n# eviction\nmaxmemory 100mb\nsave 900 1\nsave 300 10\n')
    const config = new Config()
    config.load(readFileSync(file, 'latin1'))
    config.file = file
    expect(config.get('save')).toBe('900 1 300 10')
    config.setMany([
      ['maxmemory', '2gb'],
      ['appendfsync', 'always'],
      ['save', ''],
    ])
    config.rewrite()
    const text = readFileSync(file, 'latin1')
    expect(text).toBe(
      '# my settings\nport 6379\n\n# eviction\nmaxmemory 2147483648\nsave ""\n\n# Generated by CONFIG REWRITE\nappendfsync always\n',
    )
    const again = new Config()
    again.load(text)
    expect(again.get('maxmemory')).toBe('2147483648')
    expect(again.get('save')).toBe('')
  })

  it('refuses bad config files with the line that is wrong', () => {
    const config = new Config()
    expect(() => config.load('port 6379\nbogus-directive 1\n')).toThrow(ConfigError)
    try {
      config.load('port 6379\nmaxmemory lots\n')
    } catch (e) {
      expect((e as Error).message).toContain('at line 2')
      expect((e as Error).message).toContain("'maxmemory lots'")
      expect((e as Error).message).toContain('argument must be a memory value')
    }
  })
})

describe('COMMAND', () => {
  it('answers COUNT, INFO, DOCS, GETKEYS from the table', async () => {
    const c = await RawClient.connect(t.port)
    const count = (await c.call('COMMAND', 'COUNT')) as number
    expect(count).toBeGreaterThan(10)
    const [get] = (await c.call('COMMAND', 'INFO', 'get')) as unknown[][]
    expect(get.slice(0, 7)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast']])
    expect(await c.call('COMMAND', 'INFO', 'nosuch')).toEqual([null])
    expect(await c.call('COMMAND', 'GETKEYS', 'SET', 'k1', 'v')).toEqual(['k1'])
    expect(await c.call('COMMAND', 'GETKEYS', 'PING')).toEqual(new ReplyError('ERR The command has no key arguments'))
    const docs = (await c.call('COMMAND', 'DOCS', 'config')) as unknown[]
    expect(docs[0]).toBe('config')
    const all = (await c.call('COMMAND')) as unknown[]
    expect(all.length).toBe(count)
    c.close()
  })
})

describe('SLOWLOG, MONITOR, CLIENT', () => {
  it('logs slow commands', async () => {
    const c = await RawClient.connect(t.port)
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0')
    await c.call('SLOWLOG', 'RESET')
    await c.call('ECHO', 'slow')
    const entries = (await c.call('SLOWLOG', 'GET', '1')) as unknown[][]
    expect(entries[0][3]).toEqual(['ECHO', 'slow'])
    expect((await c.call('SLOWLOG', 'LEN')) as number).toBeGreaterThanOrEqual(1)
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000')
    c.close()
  })

  it('streams commands to MONITOR clients', async () => {
    const m = await RawClient.connect(t.port)
    expect(await m.call('MONITOR')).toBe('OK')
    const c = await RawClient.connect(t.port)
    await c.call('SET', 'mon:key', 'a "quoted"\n value')
    const line = (await m.next()) as string
    expect(line).toMatch(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "mon:key" "a \\"quoted\\"\\n value"$/)
    m.close()
    c.close()
  })

  it('lists, names, kills and pauses clients', async () => {
    const a = await RawClient.connect(t.port)
    const b = await RawClient.connect(t.port)
    expect(await a.call('CLIENT', 'SETNAME', 'alpha')).toBe('OK')
    expect(await a.call('CLIENT', 'SETNAME', 'has space')).toEqual(
      new ReplyError('ERR Client names cannot contain spaces, newlines or special characters.'),
    )
    const list = (await b.call('CLIENT', 'LIST')) as string
    expect(list).toMatch(
      /id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=alpha age=\d+ idle=\d+ flags=N db=0/,
    )
    const bId = (await b.call('CLIENT', 'ID')) as number
    // Writes wait during CLIENT PAUSE WRITE; reads go on.
    expect(await a.call('CLIENT', 'PAUSE', '300', 'WRITE')).toBe('OK')
    const t0 = Date.now()
    const w = b.call('SET', 'paused', '1')
    expect(await a.call('GET', 'paused')).toBe(null)
    expect(await w).toBe('OK')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250)
    expect(await a.call('CLIENT', 'KILL', 'ID', String(bId))).toBe(1)
    await b.waitClose()
    expect(await a.call('CLIENT', 'KILL', 'ID', '999999')).toBe(0)
    a.close()
  })

  it('honours CLIENT REPLY OFF and SKIP', async () => {
    const c = await RawClient.connect(t.port)
    c.writeRaw('CLIENT REPLY SKIP\r\nECHO skipped\r\nECHO shown\r\n')
    expect(await c.next()).toBe('shown')
    c.writeRaw('CLIENT REPLY OFF\r\nECHO hidden\r\nCLIENT REPLY ON\r\n')
    expect(await c.next()).toBe('OK')
    c.close()
  })
})

describe('limits and timeouts', () => {
  it('closes idle clients after timeout and refuses over maxclients', async () => {
    const s = await startServer(['--timeout', '1', '--maxclients', '2', '--hz', '50'])
    try {
      const a = await RawClient.connect(s.port)
      const b = await RawClient.connect(s.port)
      const c = await RawClient.connect(s.port)
      expect(await c.next()).toEqual(new ReplyError('ERR max number of clients reached'))
      await a.waitClose(4000)
      b.close()
    } finally {
      await s.close()
    }
  })

  it('enforces client-query-buffer-limit without growing memory', async () => {
    const s = await startServer(['--client-query-buffer-limit', '1mb'])
    try {
      const c = await RawClient.connect(s.port)
      c.writeRaw('*2\r\n$4\r\nECHO\r\n$2000000\r\n')
      c.writeRaw(Buffer.alloc(1_200_000, 120))
      const r = await c.next()
      expect(String(r).slice(0, 200)).toBe('ERR Protocol error: query buffer exceeds client-query-buffer-limit')
      await c.waitClose()
      const d = await RawClient.connect(s.port)
      expect(await d.call('PING')).toBe('PONG')
      d.close()
    } finally {
      await s.close()
    }
  })
})

describe('standalone binary', () => {
  it('starts from a config file plus --args, serves redis-cli, and exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-bin-'))
    const port = await freePort()
    const conf = join(dir, 'strata.conf')
    writeFileSync(conf, `# test\nport 1\ndir ${dir}\nsave ""\n`)
    const p = spawn(process.execPath, ['engine/bin/strata-server.mjs', conf, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    p.stdout.on('data', (d) => (out += d))
    for (let i = 0; i < 100 && !out.includes('Ready to accept'); i++) await sleep(50)
    expect(out).toContain(`port ${port}`)
    const c = await RawClient.connect(port)
    expect(await c.call('CONFIG', 'GET', 'port')).toEqual(['port', String(port)])
    c.close()
    p.kill('SIGTERM')
    const code = await new Promise((r) => p.once('exit', r))
    expect(code).toBe(0)
    expect(out).toContain('ready to exit')
  })

  it('refuses a bad config with a clear message and exit code 1', async () => {
    const p = spawn(process.execPath, ['engine/bin/strata-server.mjs', '--port', '0', '--no-such-option', 'x'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let err = ''
    p.stderr.on('data', (d) => (err += d))
    const code = await new Promise((r) => p.once('exit', r))
    expect(code).toBe(1)
    expect(err).toContain('FATAL CONFIG FILE ERROR')
    expect(err).toContain("'no-such-option x'")
  })
})
