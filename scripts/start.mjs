#!/usr/bin/env node
// `npm start`: launches the Electron app (out/main/index.js). When no Electron binary is
// available (headless servers, CI, sandboxes), says so and starts the web host instead with the
// embedded engine on the default data folder, printing the URL to open. Arguments after `--` go
// to the web host (e.g. `npm start -- --port 5540`).

import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

/** The Electron binary's path, found the way the electron package does it, without its download attempt. */
function electronBinary() {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron')
  let pkgDir
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return { error: 'the electron package is not installed' }
  }
  const pathFile = join(pkgDir, 'path.txt')
  if (!existsSync(pathFile)) return { error: 'the Electron binary was never downloaded' }
  const bin = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8'))
  return existsSync(bin) ? bin : { error: `${bin} is missing` }
}

async function startWebHost(reason) {
  process.stderr.write(`Electron is not available here (${reason}); starting the web console instead.\n`)
  process.argv = [process.argv[0], join(root, 'out/main/web.js'), ...args]
  await import(join(root, 'out/main/web.js'))
}

const bin = electronBinary()
if (typeof bin !== 'string') {
  await startWebHost(bin.error)
} else {
  const child = spawn(bin, [root], { stdio: 'inherit' })
  child.once('error', (e) => void startWebHost(e.message))
  child.once('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal)
    else process.exit(code ?? 0)
  })
}
