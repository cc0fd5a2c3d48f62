// Killing the console (the web host, SIGKILL) in the middle of a restore into its embedded engine:
// after every step of the file swap, the next start finds either the old or the new dataset,
// never a mix. The host runs with STRATA_RESTORE_STEP_DELAY_MS so each step can be hit.

import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import type { BackupEntry, EngineStatus, RestoreState } from '../../main/api/contract.js'
import { fill, snapshot } from '../../main/services/backup/fixtures.js'
import { connectApi, type ApiClient } from './api-client.js'
import { startWebHost, type WebHostProcess } from './harness.js'

const ENV = { STRATA_RESTORE_STEP_DELAY_MS: '1500' }

async function result<T>(api: ApiClient, method: string, args: unknown = {}): Promise<T> {
  const r = await api.call(method, args)
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
  return r.result as T
}

async function open(dataDir?: string) {
  const host = await startWebHost({ dataDir, env: ENV })
  const api = await connectApi(host.port, host.token)
  const status = await result<EngineStatus>(api, 'engine.status')
  const engine = new Redis({ port: status.port!, lazyConnect: true, protocol: 2 })
  await engine.connect()
  return { host, api, engine }
}

describe('killing the console in the middle of a restore', () => {
  let first: WebHostProcess | null = null
  afterAll(() => first?.remove())

  it('leaves the old or the new data after every step, never a mix', async () => {
    let { host, api, engine } = await open()
    first = host
    await fill(engine, 'new', 300)
    const newData = await snapshot(engine)
    const target = await result<{ id: string }>(api, 'backups.saveTarget', {
      name: 'local',
      kind: 'local',
      path: `${host.dataDir}/target`,
    })
    const { backup } = await result<{ backup: string }>(api, 'backups.run', { conn: 'embedded', target: target.id })
    await expect
      .poll(async () => (await result<BackupEntry[]>(api, 'backups.list')).find((b) => b.id === backup)?.status)
      .toBe('good')
    for (const step of ['journal', 'old dump.rdb', 'new dump.rdb', 'swapped']) {
      await engine.flushall()
      await fill(engine, 'old', 300)
      const oldData = await snapshot(engine)
      const session = await result<RestoreState>(api, 'restore.open', { source: { kind: 'backup', id: backup } })
      expect(session.phase).toBe('verified')
      await result(api, 'restore.run', { session: session.session, conn: 'embedded', mode: 'replace' })
      await expect.poll(() => host.output(), { timeout: 60_000 }).toContain(`restore step: ${step}\n`)
      engine.disconnect()
      api.close()
      host.proc.kill('SIGKILL')
      await new Promise((r) => host.proc.once('exit', r))
      ;({ host, api, engine } = await open(host.dataDir))
      const now = await snapshot(engine)
      expect(now).toEqual(step === 'swapped' ? newData : oldData)
      // The interrupted restore is on record as such.
      const history = await result<{ status: string }[]>(api, 'restore.history')
      expect(history[0].status).toBe('interrupted')
    }
    engine.disconnect()
    api.close()
    expect(await host.stop()).toBe(0)
  })
})
