// Builds what the e2e tests drive: the engine (out/engine) and the console (out/main/web.js and
// out/renderer). Set STRATA_E2E_NO_BUILD=1 to reuse an existing build.

import { execFileSync } from 'node:child_process'

export default function setup(): void {
  if (process.env.STRATA_E2E_NO_BUILD) return
  const run = (args: string[]) => execFileSync('npx', args, { stdio: ['ignore', 'ignore', 'inherit'] })
  run(['tsc', '-p', 'engine/tsconfig.build.json'])
  run(['electron-vite', 'build'])
}
