// The dashboard and the persistence panel in Chromium against the embedded engine: memory and
// eviction charts filling while a load makes the engine evict (maxmemory low, allkeys-lru), BGSAVE
// and BGREWRITEAOF from the panel with progress, outcome and a marker on the charts, the config
// editor changing appendfsync on the server, and the audit log listing all of it. Screenshots go to
// test/e2e/__screenshots__/metrics-*.png.

import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { EngineStatus, History, TimelineEvent } from '../../main/api/contract.js'
import { connectApi, type ApiClient } from './api-client.js'
import { launchBrowser, openPage, shot, startWebHost, type WebHostProcess } from './harness.js'

describe('metrics dashboard and persistence panel', () => {
  let host: WebHostProcess
  let browser: Browser
  let page: Page
  let api: ApiClient
  let redis: Redis
  const errors: string[] = []

  const history = async (ms = 5 * 60_000) => {
    const to = Date.now()
    const r = await api.call('metrics.history', { conn: 'embedded', from: to - ms, to, bands: true })
    if (!r.ok) throw new Error(r.error.message)
    return r.result as History
  }
  const events = async (kind: TimelineEvent['kind']) => (await history()).events.filter((e) => e.kind === kind)

  beforeAll(async () => {
    host = await startWebHost()
    api = await connectApi(host.port, host.token)
    const status = (await api.call('engine.status')) as { ok: true; result: EngineStatus }
    redis = new Redis({ port: status.result.port!, host: '127.0.0.1' })
    // Only the jobs the test starts: the default save rules would start BGSAVEs of their own under load.
    await redis.config('SET', 'save', '')
    browser = await launchBrowser()
    page = await openPage(browser, host.url, errors)
    await page.getByTestId('open-embedded').click()
    await page.getByTestId('tab-metrics').click()
    await page.getByTestId('chart-memory').waitFor()
  })

  afterAll(async () => {
    redis?.disconnect()
    api?.close()
    await browser?.close()
    await host?.stop()
    host?.remove()
  })

  it('fills the memory and eviction charts while a load makes the engine evict', async () => {
    // A limit 4 MB above what the engine holds empty (its startup heap counts, as in Redis).
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1])
    const limit = Math.ceil((used + 4 * 1024 * 1024) / 1024) * 1024
    await redis.config('SET', 'maxmemory', String(limit))
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru')
    const value = 'v'.repeat(1000)
    let i = 0
    const load = async (ms: number) => {
      const end = Date.now() + ms
      while (Date.now() < end) {
        const p = redis.pipeline()
        for (let k = 0; k < 200; k++) p.set(`load:${i++}`, value)
        await p.exec()
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    await load(12_000)
    await shot(page, 'metrics-load')
    await expect.poll(async () => Math.max(...(await history()).max!.evicted.map((v) => v ?? 0))).toBeGreaterThan(0)
    await load(4_000)
    const h = await history()
    expect(Math.max(...h.max!.evicted.map((v) => v ?? 0))).toBeGreaterThan(100)
    expect(h.avg.maxmemory.at(-1)).toBe(limit)
    // used_memory stays around the limit while keys are evicted.
    expect(Math.max(...h.max!.mem_used.map((v) => v ?? 0))).toBeLessThan(limit + 1024 * 1024)
    expect((await events('evictions-start')).length).toBeGreaterThan(0)
    expect(await page.getByTestId('chart-evictions-sub').textContent()).toContain('policy allkeys-lru')
    // Smoothness while the ten charts take a point per second: frames drawn and the longest task.
    const perf = await page.evaluate(
      () =>
        new Promise<{ frames: number; longest: number }>((resolve) => {
          let frames = 0
          let longest = 0
          const obs = new PerformanceObserver((l) => {
            for (const e of l.getEntries()) longest = Math.max(longest, e.duration)
          })
          obs.observe({ type: 'longtask', buffered: false })
          const end = performance.now() + 5000
          const step = () => {
            frames++
            if (performance.now() < end) requestAnimationFrame(step)
            else {
              obs.disconnect()
              resolve({ frames, longest })
            }
          }
          requestAnimationFrame(step)
        }),
    )
    console.log(
      `dashboard at 1 Hz: ${(perf.frames / 5).toFixed(0)} frames/s, longest task ${perf.longest.toFixed(0)} ms`,
    )
    // Every live tick lands on screen: far more frames than ticks, and no task long enough to skip one.
    expect(perf.frames / 5).toBeGreaterThan(5)
    expect(perf.longest).toBeLessThan(1000)
    await shot(page, 'metrics-evicting')
    await page.getByTestId('chart-evictions').screenshot({ path: 'test/e2e/__screenshots__/metrics-evictions.png' })
    // The tooltip near the newest point: every series with its unit.
    const box = (await page.getByTestId('chart-memory').boundingBox())!
    await page.mouse.move(box.x + box.width - 30, box.y + box.height / 2)
    await page.locator('[data-testid="chart-memory"] div', { hasText: 'used_memory' }).last().waitFor()
    await page.getByTestId('chart-memory').screenshot({ path: 'test/e2e/__screenshots__/metrics-memory.png' })
    expect(errors).toEqual([])
  })

  it('runs BGSAVE from the panel with progress, then the outcome and a marker on the charts', async () => {
    // Paced by Redis's rdb-key-save-delay (50 µs per key: about 3 s here, several 1 Hz polls), so the
    // progress is on screen however fast the machine saves. The rewrite test below keeps the pace.
    await redis.config('SET', 'maxmemory', '0')
    await redis.config('SET', 'rdb-key-save-delay', '50')
    const v = 'x'.repeat(100)
    for (let b = 0; b < 60; b++) {
      const args: string[] = []
      for (let k = 0; k < 1000; k++) args.push(`big:${b}:${k}`, v)
      await redis.mset(...args)
    }
    await page.getByTestId('tab-persistence').click()
    await page.getByTestId('persist-bgsave').click()
    await page.getByTestId('bgsave-progress').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('persist-bgsave').isDisabled()).toBe(true)
    expect(await page.getByTestId('persist-busy').textContent()).toContain('BGSAVE is running')
    await shot(page, 'metrics-bgsave-progress')
    await expect
      .poll(() => page.getByTestId('persist-outcome').textContent(), { timeout: 60_000 })
      .toMatch(/BGSAVE done in [\d.]+ s, [\d.]+ MB/)
    await shot(page, 'metrics-bgsave-outcome')
    await expect.poll(() => page.getByTestId('audit-table').textContent()).toContain('bgsave')
    // (The save rules may have started BGSAVEs of their own during the load.)
    const ends = await events('bgsave-end')
    expect(ends.length).toBeGreaterThanOrEqual(1)
    expect(ends.at(-1)!.detail.status).toBe('ok')
    await page.getByTestId('tab-metrics').click()
    await page.getByTestId('chart-persistence').waitFor()
    await page.waitForTimeout(1500)
    const markers = Number(await page.getByTestId('chart-persistence').getAttribute('data-markers'))
    expect(markers).toBe((await history()).events.length)
    expect(markers).toBeGreaterThanOrEqual(2)
    await shot(page, 'metrics-bgsave-marker')
    await page.getByTestId('chart-persistence').screenshot({ path: 'test/e2e/__screenshots__/metrics-persistence.png' })
    expect(errors).toEqual([])
  })

  it('runs BGREWRITEAOF from the panel with progress, then the outcome and a marker', async () => {
    await page.getByTestId('tab-persistence').click()
    await page.getByTestId('persist-rewrite').click()
    await page.getByTestId('rewrite-progress').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('persist-rewrite').isDisabled()).toBe(true)
    await shot(page, 'metrics-rewrite-progress')
    await expect
      .poll(() => page.getByTestId('persist-outcome').textContent(), { timeout: 60_000 })
      .toMatch(/BGREWRITEAOF done in [\d.]+ s/)
    await shot(page, 'metrics-rewrite-outcome')
    const ends = await events('rewrite-end')
    expect(ends.length).toBeGreaterThanOrEqual(1)
    expect(ends.at(-1)!.detail.status).toBe('ok')
    await page.getByTestId('tab-metrics').click()
    await page.waitForTimeout(1500)
    await page.getByTestId('chart-aof').screenshot({ path: 'test/e2e/__screenshots__/metrics-aof.png' })
    await redis.config('SET', 'rdb-key-save-delay', '0')
    expect(errors).toEqual([])
  })

  it('changes appendfsync through the editor, confirmed, and logs every admin action', async () => {
    expect(((await redis.config('GET', 'appendfsync')) as string[])[1]).toBe('everysec')
    await page.getByTestId('tab-persistence').click()
    await page.getByTestId('cfg-appendfsync').click()
    await page.locator('.n-base-select-option', { hasText: /^always$/ }).click()
    await page.getByTestId('cfg-apply').click()
    const dialog = page.locator('.n-dialog')
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('appendfsync: everysec → always')
    await shot(page, 'metrics-config-confirm')
    await dialog.getByRole('button', { name: 'Apply' }).click()
    await expect.poll(async () => ((await redis.config('GET', 'appendfsync')) as string[])[1]).toBe('always')
    const audit = page.getByTestId('audit-table')
    await expect.poll(() => audit.textContent()).toContain('config-set')
    const text = (await audit.textContent()) ?? ''
    expect(text).toContain('config-rewrite')
    expect((await events('config')).some((e) => e.detail.param === 'appendfsync' && e.detail.to === 'always')).toBe(
      true,
    )
    await shot(page, 'metrics-audit')
    // The light theme redraws every chart.
    await page.getByTestId('theme').click()
    await page.getByTestId('tab-metrics').click()
    await page.getByTestId('chart-memory').waitFor()
    await page.waitForTimeout(1500)
    await shot(page, 'metrics-light')
    await page.getByTestId('theme').click()
    expect(errors).toEqual([])
  })
})
