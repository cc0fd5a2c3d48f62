// The console against an external real redis-server: add it through the connection form (a wrong
// password and an unreachable port give clear errors), then the whole key-browser journey.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { requireProgram, startRealRedis, type RealRedis } from '../../engine/test/helpers.js'
import { launchBrowser, openPage, shot, startWebHost, type WebHostProcess } from './harness.js'
import { runKeyBrowserFlow } from './flow.js'

const hasRedis = requireProgram('redis-server')

describe.skipIf(!hasRedis)('console against a real redis-server', () => {
  let redis: RealRedis
  let host: WebHostProcess
  let browser: Browser
  let page: Page
  const errors: string[] = []

  beforeAll(async () => {
    redis = await startRealRedis(['--requirepass', 's3cret', '--notify-keyspace-events', 'KA'])
    host = await startWebHost({ engine: false })
    browser = await launchBrowser()
    page = await openPage(browser, host.url, errors)
  })

  afterAll(async () => {
    await browser?.close()
    expect(await host?.stop()).toBe(0)
    host?.remove()
    await redis?.close()
  })

  it('reports a wrong password and an unreachable server clearly, then saves the profile', async () => {
    await page.getByTestId('add-connection').click()
    await page.getByTestId('cf-name').locator('input').fill('Local redis')
    await page.getByTestId('cf-port').locator('input').fill(String(redis.port))
    await page.getByTestId('cf-password').locator('input').fill('wrong')
    await page.getByTestId('cf-test').click()
    await expect
      .poll(() => page.getByTestId('cf-status').textContent())
      .toContain('Authentication failed: wrong username or password')
    await page.getByTestId('cf-password').locator('input').fill('')
    await page.getByTestId('cf-test').click()
    await expect.poll(() => page.getByTestId('cf-status').textContent()).toContain('Authentication required')
    await page.getByTestId('cf-port').locator('input').fill('1')
    await page.getByTestId('cf-test').click()
    await expect.poll(() => page.getByTestId('cf-status').textContent()).toContain('connection refused')
    await page.getByTestId('cf-port').locator('input').fill(String(redis.port))
    await page.getByTestId('cf-password').locator('input').fill('s3cret')
    await page.getByTestId('cf-test').click()
    await expect.poll(() => page.getByTestId('cf-status').textContent()).toMatch(/Connected: Redis 7\./)
    // The web host stores secrets in an encrypted file and says so.
    expect(await page.getByTestId('secret-warning').textContent()).toContain('No OS keychain')
    await shot(page, 'redis-connection-form')
    await page.getByTestId('cf-save').click()
    await page.locator('[data-testid^="conn-"]', { hasText: 'Local redis' }).waitFor()
    await shot(page, 'redis-connections')
  })

  it('browses, edits and deletes keys', async () => {
    await page
      .locator('[data-testid^="conn-"]', { hasText: 'Local redis' })
      .getByRole('button', { name: 'Open' })
      .click()
    await expect.poll(() => page.getByTestId('live').textContent()).toBe('live')
    await runKeyBrowserFlow(page, 'redis')
    expect(errors).toEqual([])
  })
})
