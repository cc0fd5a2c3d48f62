// Where a worker thread's compiled script is: next to the module that starts it, or, when the
// engine runs from its TypeScript sources (the tests; `npm test` builds the engine first), at the
// same place in the build (out/engine); and how long one may take to start.

import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** A worker that has not started by then will not (one boots in tens of milliseconds). */
export const WORKER_START_TIMEOUT_MS = 5_000

/** The compiled `name`.js beside the module at moduleUrl, or null when it is not built. */
export function workerScript(moduleUrl: string, name: string): string | null {
  const here = fileURLToPath(moduleUrl)
  const dir = here.slice(0, Math.max(here.lastIndexOf('/'), here.lastIndexOf('\\')) + 1)
  const path = here.endsWith('.ts')
    ? dir.replace(/engine([\\/])src([\\/])/, 'out$1engine$2') + `${name}.js`
    : dir + `${name}.js`
  return existsSync(path) ? path : null
}
