// Test harness for persistence: an in-process engine started the way the standalone binary
// starts it (RDB persistence installed, dump.rdb loaded from its dir before listening).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Config, argsToConfigText } from '../src/server/config.js'
import { Server } from '../src/server/server.js'
import { installRdbPersistence } from '../src/persistence/save.js'
import { loadAtStart } from '../src/persistence/load.js'
import { RawClient, type Reply } from './helpers.js'

export interface PersistentServer {
  srv: Server
  port: number
  dir: string
  /** Closes the server; the dir is kept unless `removeDir`. */
  close(removeDir?: boolean): Promise<void>
}

export function tempDir(tag = 'strata-rdb-'): string {
  return mkdtempSync(join(tmpdir(), tag))
}

/** Starts a server over `dir` (a new temp dir by default); throws when its dump.rdb cannot load. */
export async function startPersistent(args: string[] = [], dir = tempDir()): Promise<PersistentServer> {
  const config = new Config()
  config.load(argsToConfigText(['--port', '0', '--dir', dir, '--save', '', ...args]))
  const srv = new Server(config)
  srv.log.sink = () => {}
  installRdbPersistence(srv)
  loadAtStart(srv)
  const port = await srv.listen()
  return {
    srv,
    port,
    dir,
    async close(removeDir = false) {
      await srv.close()
      if (removeDir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Polls INFO persistence until no BGSAVE runs. */
export async function waitBgsave(c: RawClient, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const info = String(await c.call('INFO', 'persistence'))
    if (info.includes('rdb_bgsave_in_progress:0')) return
    if (Date.now() > until) throw new Error('BGSAVE did not finish')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** One INFO field as text. */
export async function infoField(c: RawClient, section: string, field: string): Promise<string> {
  const info = String(await c.call('INFO', section))
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(info)
  if (!m) throw new Error(`INFO has no ${field}`)
  return m[1].trim()
}

/** An RDB string: 6/14-bit or 32-bit length + bytes (for hand-built files). */
export function rdbString(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s
  const n = b.length
  const head =
    n < 64
      ? Buffer.from([n])
      : n < 16384
        ? Buffer.from([0x40 | (n >> 8), n & 255])
        : Buffer.concat([Buffer.from([0x80]), Buffer.from([n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255])])
  return Buffer.concat([head, b])
}

export type { Reply }
