// Where things live: the per-user data folder (for the web host; Electron uses app.getPath) and the
// repository paths of the engine script and the built renderer, relative to the built main bundle.

import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STRATA_DATA_DIR) return resolve(env.STRATA_DATA_DIR)
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Strata')
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Strata')
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'strata')
}

/** `root` is the project folder (two levels above out/main/). */
export function projectPaths(root: string) {
  return {
    serverScript: join(root, 'engine', 'bin', 'strata-server.mjs'),
    /** The RDB reader's worker thread (backups, restores, inspection); part of the engine build. */
    rdbWorker: join(root, 'out', 'engine', 'tools', 'rdb-worker.js'),
    rendererDir: join(root, 'out', 'renderer'),
    packageJson: join(root, 'package.json'),
  }
}
