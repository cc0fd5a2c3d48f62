// e2e harness: starts the built web host (`node out/main/web.js`) in a temp data folder and reads
// its URL line, launches Debian Chromium through playwright-core, saves screenshots under
// test/e2e/__screenshots__/, and runs a latency probe (another client) in a process of its own.

import { fork, spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'

export const SHOTS = join('test', 'e2e', '__screenshots__')
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface WebHostProcess {
  url: string
  port: number
  token: string
  dataDir: string
  proc: ChildProcess
  output(): string
  /** SIGTERM, then the exit code; the data folder stays until `remove`. */
  stop(): Promise<number | null>
  remove(): void
}

export async function startWebHost(
  opts: { engine?: boolean; dataDir?: string; env?: Record<string, string> } = {},
): Promise<WebHostProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'strata-e2e-'))
  const args = ['out/main/web.js', '--port', '0', '--data-dir', dataDir]
  if (opts.engine === false) args.push('--no-engine')
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  })
  let out = ''
  proc.stderr!.on('data', (d) => (out += String(d)))
  const url = await new Promise<string>((resolve, reject) => {
    let buf = ''
    proc.stdout!.on('data', (d) => {
      buf += String(d)
      const line = buf.split('\n').find((l) => l.startsWith('http://'))
      if (line) resolve(line.trim())
    })
    proc.once('exit', (code) => reject(new Error(`web host exited with ${code}: ${out}`)))
    setTimeout(() => reject(new Error(`web host printed no URL in 30 s: ${out}`)), 30_000)
  })
  const u = new URL(url)
  return {
    url,
    port: Number(u.port),
    token: u.searchParams.get('token')!,
    dataDir,
    proc,
    output: () => out,
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve(proc.exitCode)
        proc.once('exit', (code) => resolve(code))
        proc.kill('SIGTERM')
      }),
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  })
}

/** Opens a page that fails the test on any page error or console error. */
export async function openPage(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`))
  await page.goto(url)
  return page
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

export interface LatencyProbe {
  /** Starts measuring; the returned function stops and resolves with the round trips (ms). */
  start(): () => Promise<number[]>
  close(): void
}

type ProbeMessage = { ready: true } | { error: string } | { latencies: number[] }

/** Another client of the server on port, GETting key every 2 ms: see latency-probe.mjs. */
export async function startLatencyProbe(port: number, key: string): Promise<LatencyProbe> {
  const child = fork(join('test', 'e2e', 'latency-probe.mjs'), [String(port), key], { execArgv: [] })
  let failure: Error | null = null
  let waiter: { resolve(m: ProbeMessage): void; reject(e: Error): void } | null = null
  const next = () =>
    new Promise<ProbeMessage>((resolve, reject) => {
      if (failure) reject(failure)
      else waiter = { resolve, reject }
    })
  child.on('message', (m: ProbeMessage) => {
    if ('error' in m) failure = new Error(`latency probe: ${m.error}`)
    const w = waiter
    waiter = null
    if (failure) w?.reject(failure)
    else w?.resolve(m)
  })
  child.once('exit', (code) => {
    failure ??= new Error(`latency probe exited with ${code}`)
    waiter?.reject(failure)
  })
  await next()
  return {
    start() {
      child.send('start')
      return async () => {
        const reply = next()
        child.send('stop')
        const m = await reply
        if (!('latencies' in m)) throw new Error('latency probe: unexpected reply')
        return m.latencies
      }
    },
    close: () => child.kill(),
  }
}
