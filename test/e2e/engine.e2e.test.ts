// The console with its embedded engine (forked by the web host): the token-gated API, the whole
// key-browser journey, a crash of the engine process (visible notice, automatic restart), and a
// clean stop that saves per the engine's config.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { EngineStatus } from '../../main/api/contract.js'
import { connectApi, type ApiClient } from './api-client.js'
import { launchBrowser, openPage, shot, startWebHost, type WebHostProcess } from './harness.js'
import { runKeyBrowserFlow } from './flow.js'

describe('console with the embedded engine', () => {
  let host: WebHostProcess
  let browser: Browser
  let page: Page
  let api: ApiClient
  const errors: string[] = []

  beforeAll(async () => {
    host = await startWebHost()
    api = await connectApi(host.port, host.token)
    browser = await launchBrowser()
    page = await openPage(browser, host.url, errors)
  })

  afterAll(async () => {
    api?.close()
    await browser?.close()
    await host?.stop()
    host?.remove()
  })

  it('gates the API by token and origin, and validates every call', async () => {
    await expect(connectApi(host.port, 'wrong-token')).rejects.toThrow('HTTP 403')
    await expect(connectApi(host.port, host.token, 'http://evil.example')).rejects.toThrow('HTTP 403')
    const bad = await api.call('keys.ttl', { conn: 'embedded', db: 0, key: 'k', ttlMs: -5 })
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid' } })
    expect(await api.call('fs.readFile', { path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'unknown-method' },
    })
    const status = (await api.call('engine.status')) as { ok: true; result: EngineStatus }
    expect(status.result).toMatchObject({ state: 'running', dataDir: join(host.dataDir, 'engine') })
    expect(readFileSync(status.result.configFile, 'utf8')).toContain('bind 127.0.0.1')
  })

  it('browses, edits and deletes keys on the embedded engine', async () => {
    await page.getByTestId('open-embedded').click()
    await expect.poll(() => page.getByTestId('scan-status').textContent()).toContain('scan done')
    await runKeyBrowserFlow(page, 'engine')
    expect(errors).toEqual([])
  })

  it('restarts a crashed engine and tells the user', async () => {
    const before = ((await api.call('engine.status')) as { ok: true; result: EngineStatus }).result
    process.kill(before.pid!, 'SIGKILL')
    await page.locator('.n-notification', { hasText: 'crashed' }).waitFor()
    await shot(page, 'engine-crash-notice')
    await expect
      .poll(async () => ((await api.call('engine.status')) as { ok: true; result: EngineStatus }).result.state)
      .toBe('running')
    const after = ((await api.call('engine.status')) as { ok: true; result: EngineStatus }).result
    expect(after).toMatchObject({ port: before.port, restarts: 1 })
    expect(after.pid).not.toBe(before.pid)
    await expect.poll(() => page.getByTestId('engine-state').textContent()).toContain('running')
    // The browser's connection comes back on its own.
    await page.getByTestId('rescan').click()
    await expect.poll(() => page.getByTestId('scan-status').textContent()).toContain('scan done')
    expect(errors).toEqual([])
  })

  it('stops the engine cleanly with the web host', async () => {
    expect(await host.stop()).toBe(0)
    const log = readFileSync(join(host.dataDir, 'engine', 'engine.log'), 'utf8')
    expect(log).toMatch(/Received SIGTERM/)
    expect(log).toMatch(/ready to exit/)
  })
})
