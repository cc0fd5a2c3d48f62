// The key-browser journey shared by the engine and real-redis e2e tests: create keys of every type
// through the CLI tab, find them in the tree and the list, edit a hash field, change a TTL, rename,
// bulk delete by pattern — checking each effect through the CLI (the server's view) and saving a
// screenshot of each view.

import { expect } from 'vitest'
import type { Page } from 'playwright-core'
import { shot } from './harness.js'

/** Runs a CLI line and returns the reply text (accepting the confirmation if one is asked). */
export async function cli(page: Page, line: string, confirm: 'accept' | 'cancel' | 'none' = 'none'): Promise<string> {
  await page.getByTestId('tab-cli').click()
  const entries = page.locator('[data-testid="cli-output"] .entry')
  const before = await entries.count()
  const input = page.getByTestId('cli-input').locator('input')
  await input.fill(line)
  await input.press('Enter')
  if (confirm !== 'none') {
    const dialog = page.locator('.n-dialog')
    await dialog.waitFor()
    await dialog.getByRole('button', { name: confirm === 'accept' ? 'Run' : 'Cancel' }).click()
  }
  await expect.poll(() => entries.count()).toBe(before + 1)
  return (await entries.nth(before).locator('.reply').textContent()) ?? ''
}

export async function browserTab(page: Page): Promise<void> {
  await page.getByTestId('tab-browser').click()
}

const keyRow = (page: Page, key: string) => page.locator(`[data-testid="key-list"] [data-key="${key}"]`)
const folderRow = (page: Page, path: string) => page.locator(`[data-testid="key-list"] [data-folder="${path}"]`)

export async function rescan(page: Page): Promise<void> {
  await page.getByTestId('rescan').click()
  await expect.poll(() => page.getByTestId('scan-status').textContent()).toContain('scan done')
}

export async function runKeyBrowserFlow(page: Page, label: string): Promise<void> {
  // Every type, through the CLI.
  expect(await cli(page, 'SET user:1:name alice')).toBe('"OK"')
  expect(await cli(page, `SET user:1:json '{"name":"alice","roles":["admin","dev"]}'`)).toBe('"OK"')
  expect(await cli(page, 'HSET user:1:profile city Paris lang fr')).toBe('(integer) 2')
  expect(await cli(page, 'RPUSH queue:jobs a b c')).toBe('(integer) 3')
  expect(await cli(page, 'SADD tags red green blue')).toBe('(integer) 3')
  expect(await cli(page, 'ZADD board 10 alice 20 bob')).toBe('(integer) 2')
  for (const s of ['a', 'b', 'c']) expect(await cli(page, `SET session:${s} 1`)).toBe('"OK"')
  expect(await cli(page, 'HGETALL user:1:profile')).toBe('1) "city"\n2) "Paris"\n3) "lang"\n4) "fr"')
  // A dangerous command asks first; cancelling leaves the data alone.
  expect(await cli(page, 'FLUSHDB', 'cancel')).toBe('(cancelled)')
  expect(await cli(page, 'DBSIZE')).toBe('(integer) 9')
  await shot(page, `${label}-cli`)

  // Tree: folders by ':' with counts; expand down to the keys.
  await browserTab(page)
  await rescan(page)
  await expect.poll(() => page.getByTestId('scan-status').textContent()).toContain('9 keys')
  await folderRow(page, 'user:').click()
  await folderRow(page, 'user:1:').click()
  await keyRow(page, 'user:1:profile').waitFor()
  expect(await folderRow(page, 'session:').textContent()).toContain('3')
  await shot(page, `${label}-tree`)

  // Hash: edit a field, check on the server.
  await keyRow(page, 'user:1:profile').click()
  await expect.poll(() => page.getByTestId('vp-type').textContent()).toBe('hash')
  const city = page.locator('[data-testid="items"] [data-field="city"]')
  await city.waitFor()
  await city.getByTestId('item-edit').click()
  await page.getByTestId('ef-value').locator('textarea').fill('London')
  await page.getByTestId('ef-save').click()
  await expect.poll(() => city.textContent()).toContain('London')
  await page.locator('.n-modal').waitFor({ state: 'detached' })
  await shot(page, `${label}-hash`)
  expect(await cli(page, 'HGET user:1:profile city')).toBe('"London"')

  // String shown as pretty JSON.
  await browserTab(page)
  await keyRow(page, 'user:1:json').click()
  await expect.poll(() => page.getByTestId('string-value').textContent()).toContain('"roles": [')
  await shot(page, `${label}-json`)

  // Flat list; TTL on the zset.
  await page.getByTestId('mode-list').click()
  await keyRow(page, 'board').click()
  await expect.poll(() => page.getByTestId('vp-type').textContent()).toBe('zset')
  await page.locator('[data-testid="items"] [data-field="bob"]').waitFor()
  await page.getByTestId('vp-ttl-edit').click()
  await page.getByTestId('ttl-input').locator('input').fill('1000')
  await page.getByTestId('ttl-save').click()
  await expect.poll(() => page.getByTestId('vp-ttl').textContent()).toMatch(/TTL: 16 min/)
  await shot(page, `${label}-list-zset-ttl`)
  const ttl = Number((await cli(page, 'TTL board')).replace('(integer) ', ''))
  expect(ttl).toBeGreaterThan(990)
  expect(ttl).toBeLessThanOrEqual(1000)

  // Rename the list.
  await browserTab(page)
  await keyRow(page, 'queue:jobs').click()
  await expect.poll(() => page.getByTestId('vp-type').textContent()).toBe('list')
  await page.getByTestId('vp-rename').click()
  await page.getByTestId('rename-input').locator('input').fill('queue:work')
  await page.getByTestId('rename-save').click()
  await keyRow(page, 'queue:work').waitFor()
  await expect.poll(() => keyRow(page, 'queue:jobs').count()).toBe(0)
  expect(await cli(page, 'LRANGE queue:work 0 -1')).toBe('1) "a"\n2) "b"\n3) "c"')
  expect(await cli(page, 'EXISTS queue:jobs')).toBe('(integer) 0')

  // Bulk delete of the filtered set.
  await browserTab(page)
  await page.getByTestId('pattern').locator('input').fill('session:*')
  await page.getByTestId('apply-filter').click()
  await expect.poll(() => page.getByTestId('scan-status').textContent()).toContain('3 keys')
  await page.getByTestId('bulk-delete').click()
  await page.locator('.n-dialog').getByRole('button', { name: 'Delete all matching' }).click()
  await expect.poll(() => page.getByTestId('bulk-status').textContent()).toContain('3 deleted')
  await expect.poll(() => page.getByTestId('bulk-status').textContent()).toContain('(done)')
  await shot(page, `${label}-bulk-delete`)
  expect(await cli(page, 'DBSIZE')).toBe('(integer) 6')
  expect(await cli(page, 'KEYS session:*', 'accept')).toBe('(empty array)')

  // Light theme.
  await browserTab(page)
  await page.getByTestId('pattern').locator('input').fill('')
  await page.getByTestId('apply-filter').click()
  await page.getByTestId('theme').click()
  await keyRow(page, 'user:1:profile').click()
  await page.locator('[data-testid="items"] [data-field="city"]').waitFor()
  await shot(page, `${label}-light`)
  await page.getByTestId('theme').click()
}
