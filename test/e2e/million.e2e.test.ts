// The million-key test: load STRATA_E2E_KEYS keys (default 1,000,000) into the embedded engine,
// open the browser and measure: time to the first rows on screen (< 300 ms), scan progress shown
// while it runs, the full scan's duration, frame times while scrolling the virtual list, and the
// engine's latency for another client during the scan (p99 < 5 ms, or at most twice the machine's
// idle p99 when that is already higher). Timings are printed and written to
// test/e2e/__screenshots__/million-report.json.

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { EngineStatus } from '../../main/api/contract.js'
import { connectApi } from './api-client.js'
import {
  SHOTS,
  launchBrowser,
  openPage,
  shot,
  startLatencyProbe,
  startWebHost,
  type LatencyProbe,
  type WebHostProcess,
} from './harness.js'

const N = Number(process.env.STRATA_E2E_KEYS ?? 1_000_000)

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

describe(`key browser with ${N.toLocaleString()} keys`, () => {
  let host: WebHostProcess
  let browser: Browser
  let page: Page
  let redis: Redis
  let probe: LatencyProbe
  const errors: string[] = []
  const report: Record<string, number> = { keys: N }

  beforeAll(async () => {
    host = await startWebHost()
    const api = await connectApi(host.port, host.token)
    const status = ((await api.call('engine.status')) as { ok: true; result: EngineStatus }).result
    api.close()
    redis = new Redis({ port: status.port!, host: '127.0.0.1', protocol: 2 })
    probe = await startLatencyProbe(status.port!, 'obj:1:1')
    const t0 = performance.now()
    // 100 folders ("obj:0:" … "obj:99:") of N/100 keys, loaded with MSET batches.
    const BATCH = 1000
    for (let i = 0; i < N;) {
      const p = redis.pipeline()
      for (let j = 0; j < 20 && i < N; j++) {
        const args: string[] = []
        for (let k = 0; k < BATCH && i < N; k++, i++) args.push(`obj:${i % 100}:${i}`, 'v')
        p.mset(...args)
      }
      await p.exec()
    }
    report.loadMs = Math.round(performance.now() - t0)
    expect(await redis.dbsize()).toBe(N)
    browser = await launchBrowser()
    page = await openPage(browser, host.url, errors)
    await page.getByTestId('open-embedded').waitFor()
  })

  afterAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    writeFileSync(join(SHOTS, 'million-report.json'), JSON.stringify(report, null, 2))
    console.log('million-key report', report)
    redis?.disconnect()
    probe?.close()
    await browser?.close()
    await host?.stop()
    host?.remove()
  })

  it('shows the first keys fast, streams the scan with progress, and leaves the engine responsive', async () => {
    // Another client's latency (a process of its own): first with the console idle (the
    // machine's own baseline), then while the console scans.
    const stopIdle = probe.start()
    await new Promise((r) => setTimeout(r, 2000))
    report.engineIdleP99Ms = Number(percentile(await stopIdle(), 99).toFixed(2))
    const stopBusy = probe.start()

    const t0 = performance.now()
    await page.getByTestId('open-embedded').click()
    await page.locator('[data-testid="key-list"] .krow').first().waitFor()
    // As the test process sees it (includes the click, routing and mounting the view)…
    report.clickToRowsMs = Math.round(performance.now() - t0)
    // …and as the page measures it: scan start to the frame that draws the first keys.
    const statusEl = page.getByTestId('scan-status')
    await expect.poll(() => statusEl.getAttribute('data-first-rows-ms')).not.toBeNull()
    report.firstRowsMs = Number(await statusEl.getAttribute('data-first-rows-ms'))

    // Progress: the status line must show a growing "scanning x / N" before it is done.
    const seen = new Set<string>()
    for (;;) {
      const text = (await page.getByTestId('scan-status').textContent()) ?? ''
      if (text.includes('scan done')) break
      const m = /scanning ([\d,]+) \/ ([\d,]+)/.exec(text)
      if (m) seen.add(m[1])
      await new Promise((r) => setTimeout(r, 100))
    }
    const latencies = await stopBusy()
    await shot(page, 'million-scanned')
    const status = (await page.getByTestId('scan-status').textContent()) ?? ''
    report.scanMs = Number(/scan done in (\d+) ms/.exec(status)?.[1])
    report.progressUpdatesSeen = seen.size
    report.probeSamples = latencies.length
    report.engineP50Ms = Number(percentile(latencies, 50).toFixed(2))
    report.engineP99Ms = Number(percentile(latencies, 99).toFixed(2))
    report.engineMaxMs = Number(Math.max(...latencies).toFixed(2))

    expect(status).toContain(`${N.toLocaleString('en-US')} keys`)
    expect(seen.size).toBeGreaterThanOrEqual(2)
    expect(report.firstRowsMs).toBeLessThan(300)
    // The target is 5 ms; on a machine whose own idle p99 is already above that (a loaded CI
    // box), the scan may at most double it.
    expect(report.engineP99Ms).toBeLessThan(Math.max(5, 2 * report.engineIdleP99Ms))
  })

  it('scrolls a million-row list smoothly', async () => {
    await page.getByTestId('mode-list').click()
    await page.locator('[data-testid="key-list"] [data-key]').first().waitFor()
    // The machine's own frame pace with nothing to do, for comparison.
    const idle = await page.evaluate(async () => {
      const deltas: number[] = []
      let last = performance.now()
      for (let i = 0; i < 60; i++) {
        await new Promise((r) => requestAnimationFrame(() => r(null)))
        const now = performance.now()
        deltas.push(now - last)
        last = now
      }
      return deltas
    })
    report.idleFrameP95Ms = Number(percentile(idle, 95).toFixed(1))
    const frames = await page.evaluate(async () => {
      const el = document.querySelector('[data-testid="key-list"] .vlist') as HTMLElement
      const deltas: number[] = []
      let last = performance.now()
      for (let i = 0; i < 120; i++) {
        // Big jumps (a fling or dragging the scrollbar) are the worst case for a virtual list.
        el.scrollTop += i % 10 === 0 ? el.scrollHeight / 12 : 1500
        await new Promise((r) => requestAnimationFrame(() => r(null)))
        const now = performance.now()
        deltas.push(now - last)
        last = now
      }
      return deltas
    })
    report.frameP50Ms = Number(percentile(frames, 50).toFixed(1))
    report.frameP95Ms = Number(percentile(frames, 95).toFixed(1))
    report.frameMaxMs = Number(Math.max(...frames).toFixed(1))
    await shot(page, 'million-list-scrolled')
    // Rows are rendered for what's on screen only.
    expect(await page.locator('[data-testid="key-list"] .krow').count()).toBeLessThan(80)
    // Smooth = the page keeps the machine's own frame pace (≥ 20 fps where that is 60 fps).
    expect(report.frameP95Ms).toBeLessThan(Math.max(50, 1.5 * report.idleFrameP95Ms))
    expect(errors).toEqual([])
  })
})
