// Connection profiles and errors against real redis-server (password and TLS), profiles in SQLite.

import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, requireProgram, startRealRedis, type RealRedis } from '../../engine/test/helpers.js'
import { ProfileStore } from '../db/profiles.js'
import { openStore, type Sqlite } from '../db/store.js'
import { Connections } from './connections.js'
import { SecretStore, fileCipher } from './secrets.js'

const hasRedis = requireProgram('redis-server')

function makeCerts(dir: string) {
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  ssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=Strata Test CA',
  ])
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'])
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost')
  ssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'ext',
  ])
}

describe.skipIf(!hasRedis)('connections against redis-server', () => {
  let redis: RealRedis
  let tlsRedis: RealRedis
  let tlsPort: number
  let dir: string
  let db: Sqlite
  let conns: Connections
  let ca: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-conns-'))
    makeCerts(dir)
    ca = readFileSync(join(dir, 'ca.crt'), 'utf8')
    redis = await startRealRedis(['--requirepass', 'pw'])
    tlsPort = await freePort()
    tlsRedis = await startRealRedis([
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      join(dir, 'server.crt'),
      '--tls-key-file',
      join(dir, 'server.key'),
      '--tls-ca-cert-file',
      join(dir, 'ca.crt'),
      '--tls-auth-clients',
      'no',
    ])
    db = openStore(join(dir, 'console.sqlite'))
    conns = new Connections(new ProfileStore(db), new SecretStore(db, fileCipher(dir)), { port: () => null })
  })

  afterAll(async () => {
    conns?.closeAll()
    db?.close()
    await redis?.close()
    await tlsRedis?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const base = () => ({
    name: 'r',
    host: '127.0.0.1',
    port: redis.port,
    db: 0,
    tls: { enabled: false, rejectUnauthorized: true },
  })

  it('says what is wrong: wrong password, missing password, unreachable', async () => {
    await expect(conns.test({ ...base(), password: 'nope' })).rejects.toThrow(
      'Authentication failed: wrong username or password',
    )
    await expect(conns.test({ ...base(), password: '' })).rejects.toThrow('Authentication required')
    await expect(conns.test({ ...base(), port: await freePort() })).rejects.toThrow(/connection refused/)
    const ok = await conns.test({ ...base(), password: 'pw' })
    expect(ok.version).toMatch(/^7\./)
  })

  it('saves a profile with its password kept out of the profile table, and connects with it', async () => {
    const saved = conns.save({ ...base(), password: 'pw', separator: ':' })
    expect(saved).toMatchObject({ hasPassword: true, managed: false })
    expect(JSON.stringify(conns.list())).not.toContain('"pw"')
    const client = await conns.client(saved.id, 0)
    expect(await client.ping()).toBe('PONG')
    // Editing without a password keeps the stored one.
    conns.save({ ...base(), id: saved.id, name: 'renamed', separator: ':' })
    expect(await (await conns.client(saved.id, 0)).ping()).toBe('PONG')
    expect(conns.remove(saved.id)).toBe(true)
    expect(conns.list()).toEqual([])
  })

  it('connects over TLS with the CA and explains TLS failures', async () => {
    const tls = { ...base(), port: tlsPort, password: undefined }
    const summary = await conns.test({ ...tls, tls: { enabled: true, ca, rejectUnauthorized: true } })
    expect(summary.version).toMatch(/^7\./)
    await expect(conns.test({ ...tls, tls: { enabled: true, rejectUnauthorized: true } })).rejects.toThrow(
      /TLS handshake with 127\.0\.0\.1:\d+ failed/,
    )
    await expect(conns.test({ ...tls, tls: { enabled: false, rejectUnauthorized: true } })).rejects.toThrow(
      /closed the connection during the handshake \(a TLS server reached without TLS/,
    )
  })
})
