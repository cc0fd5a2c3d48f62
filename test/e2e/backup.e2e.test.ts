// Backups and restores in Chromium against the built web host with its embedded engine and an S3
// server (s3rver) on loopback: a local and an S3 target with Test connection, a schedule every
// minute that runs with progress and lands in the catalog, the whole restore wizard (a screenshot
// per step) with a roll-back at the end, and a real redis-server RDB opened offline and browsed.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import S3rver from 's3rver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { freePort, requireProgram, startRealRedis, type RealRedis } from '../../engine/test/helpers.js'
import { connectApi, type ApiClient } from './api-client.js'
import { launchBrowser, openPage, shot, startWebHost, type WebHostProcess } from './harness.js'

const hasRedis = requireProgram('redis-server')

describe('backups, the restore wizard and offline inspection', () => {
  let host: WebHostProcess
  let browser: Browser
  let page: Page
  let api: ApiClient
  let engine: Redis
  let s3: S3rver
  let s3Port: number
  const dirs: string[] = []
  const errors: string[] = []
  const tmp = (p: string) => {
    const d = mkdtempSync(join(tmpdir(), p))
    dirs.push(d)
    return d
  }

  beforeAll(async () => {
    s3Port = await freePort()
    s3 = new S3rver({
      address: '127.0.0.1',
      port: s3Port,
      silent: true,
      directory: tmp('s3rver-'),
      resetOnClose: true,
      configureBuckets: [{ name: 'backups', configs: [] }],
    })
    await s3.run()
    host = await startWebHost()
    api = await connectApi(host.port, host.token)
    const status = (await api.call('engine.status')) as { ok: true; result: { port: number } }
    engine = new Redis({ port: status.result.port, lazyConnect: true })
    await engine.connect()
    // Enough data for a backup to take a moment, so its progress is visible.
    for (let b = 0; b < 6; b++) {
      const p = engine.pipeline()
      for (let i = 0; i < 10_000; i++) p.set(`user:${b * 10_000 + i}`, `value-${i}-${'x'.repeat(40)}`)
      await p.exec()
    }
    await engine.hset('config:app', 'mode', 'prod', 'replicas', '3')
    await engine.rpush('queue:jobs', 'a', 'b', 'c')
    await engine.zadd('board', 10, 'ann', 20, 'bob')
    browser = await launchBrowser()
    page = await openPage(browser, host.url, errors)
  })

  afterAll(async () => {
    engine?.disconnect()
    api?.close()
    await browser?.close()
    await host?.stop()
    host?.remove()
    await s3?.close()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  async function addTarget(fill: () => Promise<void>, name: string) {
    await page.getByTestId('add-target').click()
    await page.getByTestId('target-name').locator('input').fill(name)
    await fill()
    await page.getByTestId('target-test').click()
    await expect.poll(() => page.getByTestId('target-status').textContent()).toContain('writable')
    await shot(page, `backup-target-${name}`)
    await page.getByTestId('target-save').click()
    await page.getByTestId(`target-${name}`).waitFor()
  }

  async function choose(testId: string, label: string) {
    await page.getByTestId(testId).click()
    await page.locator('.n-base-select-option', { hasText: label }).first().click()
  }

  it('creates a local and an S3 target, each checked with Test connection', async () => {
    await page.getByTestId('nav-backups').click()
    const folder = tmp('strata-local-target-')
    await addTarget(async () => {
      await page.getByTestId('target-path').locator('input').fill(folder)
    }, 'local')
    await addTarget(async () => {
      await page.getByTestId('target-kind-s3').click()
      await page.getByTestId('target-bucket').locator('input').fill('backups')
      await page.getByTestId('target-prefix').locator('input').fill('strata/e2e')
      await page.getByTestId('target-endpoint').locator('input').fill(`http://127.0.0.1:${s3Port}`)
      await page.getByTestId('target-path-style').click()
      await page.getByTestId('target-access-key').locator('input').fill('S3RVER')
      await page.getByTestId('target-secret').locator('input').fill('S3RVER')
    }, 's3')
    const targets = (await api.call('backups.targets')) as { ok: true; result: { kind: string; hasSecret: boolean }[] }
    expect(targets.result.map((t) => [t.kind, t.hasSecret])).toEqual([
      ['local', false],
      ['s3', true],
    ])
    expect(errors).toEqual([])
  })

  it('runs a schedule every minute with progress, and the backups appear in the catalog', async () => {
    for (const target of ['local', 's3']) {
      await choose('sched-target', target)
      await choose('sched-preset', 'every minute')
      await page.getByTestId('add-schedule').click()
      await expect.poll(() => page.getByTestId('schedule-row').count()).toBe(target === 'local' ? 1 : 2)
    }
    expect(await page.getByTestId('schedule-cron').allTextContents()).toEqual(['* * * * *', '* * * * *'])
    // The next minute boundary fires both; the running backups show their bytes and rate.
    // Each running backup shows a row with its bytes and rate (kept a few seconds after it ends).
    await page.getByTestId('running-backup').first().waitFor({ timeout: 75_000 })
    expect(await page.getByTestId('running-backup').first().textContent()).toMatch(/Embedded engine → (local|s3).*B\/s/)
    await shot(page, 'backup-running')
    // Both schedules may fire at different minute boundaries (each starts at the next one after saving).
    await expect.poll(() => page.getByTestId('backup-good').count(), { timeout: 130_000 }).toBeGreaterThanOrEqual(2)
    // Stop scheduling before the restore stops the engine.
    const schedules = (await api.call('backups.schedules')) as { ok: true; result: { id: string }[] }
    for (const s of schedules.result) await api.call('backups.removeSchedule', { id: s.id })
    await expect.poll(() => page.getByTestId('schedule-row').count()).toBe(0)
    await expect.poll(() => page.getByTestId('backup-running').count()).toBe(0)
    await shot(page, 'backup-catalog')
    const list = (await api.call('backups.list')) as {
      ok: true
      result: { status: string; kind: string; keys: Record<string, number>; location: string }[]
    }
    const good = list.result.filter((b) => b.status === 'good' && b.kind === 'scheduled')
    expect(good.some((b) => b.location.startsWith('s3://backups/strata/e2e/'))).toBe(true)
    expect(good.some((b) => b.location.startsWith('/'))).toBe(true)
    for (const b of good) expect(b.keys['0']).toBe(60_003)
    expect(errors).toEqual([])
  }, 300_000)

  it('runs the whole restore wizard on an S3 backup, then rolls back', async () => {
    // Change the engine after the backup: the restore must undo this, the roll-back redo it.
    await engine.set('after:backup', 'new')
    await engine.del('user:0')
    const s3Row = page.locator('[data-testid="backup-good"]', { hasText: 's3' }).first()
    await s3Row.getByTestId('restore-entry').click()
    await page.getByTestId('step-source').waitFor()
    await shot(page, 'restore-1-source')
    await page.getByTestId('verify').click()
    await page.getByTestId('verify-table').waitFor()
    await expect.poll(() => page.getByTestId('verify-table').textContent()).toContain('matches the catalog')
    await shot(page, 'restore-2-verify')
    await page.getByTestId('to-preview').click()
    await expect.poll(() => page.getByTestId('report-keys').textContent()).toBe('60,003')
    await shot(page, 'restore-3-preview')
    await page.getByTestId('browse-backup').click()
    await expect.poll(() => page.getByTestId('scan-status').textContent(), { timeout: 120_000 }).toContain('scan done')
    await page.getByTestId('read-only').waitFor()
    expect(await page.getByTestId('new-key').count()).toBe(0)
    await page.locator('[data-folder="config:"]').click()
    await page.locator('[data-key="config:app"]').click()
    await expect.poll(() => page.locator('div.value').textContent()).toContain('replicas')
    await shot(page, 'restore-3b-preview-browse')
    await page.getByTestId('to-target').click()
    await page.getByTestId('step-target').waitFor()
    await shot(page, 'restore-4-target')
    await page.getByTestId('start-restore').click()
    await page.locator('.n-dialog').getByRole('button', { name: 'Restore' }).click()
    await page.getByTestId('step-restore').waitFor()
    await expect.poll(() => page.getByTestId('safety-id').count(), { timeout: 60_000 }).toBe(1)
    await shot(page, 'restore-5-progress')
    await page.getByTestId('step-check').waitFor({ timeout: 90_000 })
    await expect.poll(() => page.getByTestId('check-samples').textContent()).toMatch(/Sampled values: (\d+) \/ \1 /)
    await shot(page, 'restore-6-check')
    await page.getByTestId('to-done').click()
    await page.getByTestId('restore-done').waitFor()
    await shot(page, 'restore-7-done')
    const after = new Redis({ port: engine.options.port, lazyConnect: true })
    await after.connect()
    expect(await after.exists('after:backup')).toBe(0)
    expect(await after.get('user:0')).toMatch(/^value-0-/)
    await page.getByTestId('rollback').click()
    await page.getByTestId('rolled-back').waitFor({ timeout: 90_000 })
    await shot(page, 'restore-8-rolled-back')
    const back = new Redis({ port: engine.options.port, lazyConnect: true })
    await back.connect()
    expect(await back.get('after:backup')).toBe('new')
    expect(await back.exists('user:0')).toBe(0)
    expect(await back.dbsize()).toBe(60_003)
    after.disconnect()
    back.disconnect()
    expect(errors).toEqual([])
  })

  it.skipIf(!hasRedis)('opens a real redis-server RDB offline and browses its keys', async () => {
    let redis: RealRedis | null = null
    try {
      redis = await startRealRedis()
      const r = new Redis({ port: redis.port, lazyConnect: true })
      await r.connect()
      await r.set('real:greeting', 'hello from redis')
      await r.hset('real:user:1', 'name', 'Ada', 'lang', 'en')
      await r.rpush('real:list', '1', '2', '3')
      await r.sadd('real:set', 'x', 'y')
      await r.zadd('real:rank', 1, 'one')
      await r.select(2)
      await r.set('other:db', 'two')
      await r.save()
      r.disconnect()
      await page.getByTestId('nav-inspect').click()
      await page.getByTestId('inspect-path').locator('input').fill(join(redis.dir, 'dump.rdb'))
      await page.getByTestId('inspect-open').click()
      await expect.poll(() => page.getByTestId('report-keys').textContent()).toBe('6')
      expect(await page.getByTestId('rdb-report').textContent()).toContain('written by 7.0')
      await shot(page, 'inspect-report')
      await page.getByTestId('inspect-browse').click()
      await expect.poll(() => page.getByTestId('scan-status').textContent()).toContain('scan done')
      await page.locator('[data-folder="real:"]').click()
      await page.locator('[data-key="real:greeting"]').click()
      await expect.poll(() => page.locator('div.value').textContent()).toContain('hello from redis')
      await page.getByTestId('read-only').waitFor()
      await shot(page, 'inspect-browse')
      expect(errors).toEqual([])
    } finally {
      await redis?.close()
    }
  })
})
