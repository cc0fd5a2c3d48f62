// EngineHost with the real engine forked as a child process (needs out/engine: npm run build:engine).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import type { EngineStatus } from '../api/contract.js'
import { EngineHost } from './engine-host.js'
import { forkLauncher } from './fork-launcher.js'

const script = resolve('engine/bin/strata-server.mjs')
const hosts: EngineHost[] = []
const dirs: string[] = []

function makeHost(maxRestarts = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'strata-host-'))
  dirs.push(dir)
  const states: EngineStatus['state'][] = []
  const notices: string[] = []
  const host = new EngineHost({
    dataDir: dir,
    serverScript: script,
    launcher: forkLauncher(join(dir, 'engine.log')),
    onStatus: (s) => states.push(s.state),
    onNotice: (_l, m) => notices.push(m),
    maxRestarts,
  })
  hosts.push(host)
  return { host, dir, states, notices }
}

async function until(f: () => boolean, ms = 20_000) {
  const end = Date.now() + ms
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

afterEach(async () => {
  for (const h of hosts.splice(0)) await h.stop()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('EngineHost', () => {
  it('starts the engine on 127.0.0.1 with a config file in the data folder and stops it with a save', async () => {
    const { host, dir, states } = makeHost()
    const s = await host.start()
    expect(s).toMatchObject({ state: 'running', configFile: join(dir, 'strata.conf') })
    expect(readFileSync(s.configFile, 'utf8')).toMatch(/^bind 127\.0\.0\.1$/m)
    const c = new Redis({ port: s.port!, host: '127.0.0.1', protocol: 2 })
    await c.set('k', 'v')
    c.disconnect()
    await host.stop()
    expect(states).toEqual(['starting', 'running', 'stopping', 'stopped'])
    expect(readFileSync(join(dir, 'engine.log'), 'utf8')).toMatch(/Received SIGTERM[\s\S]*ready to exit/)
    // The save on stop is read back by the next start.
    const again = await host.start()
    const c2 = new Redis({ port: again.port!, host: '127.0.0.1', protocol: 2 })
    expect(await c2.get('k')).toBe('v')
    c2.disconnect()
  })

  it('restarts after a crash on the same port and says so', async () => {
    const { host, notices } = makeHost()
    const first = await host.start()
    process.kill(first.pid!, 'SIGKILL')
    await until(() => host.status().state === 'running' && host.status().pid !== first.pid)
    expect(host.status()).toMatchObject({ port: first.port, restarts: 1 })
    expect(host.status().lastError).toMatch(/stopped unexpectedly \(signal SIGKILL\)/)
    expect(notices[0]).toMatch(/crashed \(signal SIGKILL\) and is being restarted/)
    await until(() => notices.some((n) => n.includes('running again')))
  })

  it('gives up after repeated crashes instead of looping', async () => {
    const { host, notices } = makeHost(1)
    const first = (await host.start()).pid!
    process.kill(first, 'SIGKILL')
    await until(() => host.status().state === 'running' && host.status().pid !== first)
    process.kill(host.status().pid!, 'SIGKILL')
    await until(() => notices.some((n) => n.includes('keeps crashing')))
    expect(host.status()).toMatchObject({ state: 'crashed', restarts: 1, pid: null })
  })
})
