// The web host's entry (`npm run web -- --port N [--data-dir D] [--no-engine]`): the console's
// services in plain Node, the embedded engine forked as a child process, and the renderer plus a
// token-gated WebSocket API on 127.0.0.1. Prints the URL to open on one line.

import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startWebHost } from './api/web-host.js'
import { createConsole } from './services/console.js'
import { forkLauncher } from './services/fork-launcher.js'
import { defaultDataDir, projectPaths } from './services/paths.js'
import { fileCipher } from './services/secrets.js'

/** Fault injection for the crash tests: a pause after every step of a restore's file swap. */
function swapDelay(ms: string | undefined) {
  const n = Number(ms)
  if (!ms || !(n > 0)) return undefined
  return async (step: string) => {
    process.stderr.write(`restore step: ${step}\n`)
    await new Promise((r) => setTimeout(r, n))
  }
}

export async function runWebHost(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '5540' },
      'data-dir': { type: 'string' },
      'no-engine': { type: 'boolean', default: false },
    },
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got ${values.port}`)
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const paths = projectPaths(root)
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir()
  const app = createConsole({
    dataDir,
    transport: 'web',
    version: (JSON.parse(readFileSync(paths.packageJson, 'utf8')) as { version: string }).version,
    serverScript: paths.serverScript,
    launcher: forkLauncher(join(dataDir, 'engine', 'engine.log')),
    cipher: fileCipher,
    engine: !values['no-engine'],
    rdbWorker: paths.rdbWorker,
    swapStep: swapDelay(process.env.STRATA_RESTORE_STEP_DELAY_MS),
  })
  await app.start()
  const host = await startWebHost({ port, rendererDir: paths.rendererDir, dispatch: app.dispatch, hub: app.hub })
  process.stderr.write(`Strata web console (data in ${dataDir}). ${app.cipher.warning ?? ''}\n`)
  process.stdout.write(`${host.url}\n`)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await host.close()
    await app.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

runWebHost(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`strata web host: ${(e as Error).message}\n`)
  process.exit(1)
})
