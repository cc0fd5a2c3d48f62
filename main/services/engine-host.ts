// Hosts the embedded strata-server as its own process: writes a default config file into the
// per-user data folder on first start, launches the server on 127.0.0.1 through a Launcher
// (child_process.fork in the web host, utilityProcess in Electron), waits until it answers PING,
// restarts it after a crash with a notice, and stops it with SIGTERM, which the engine turns into
// SHUTDOWN (saving per its config).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import type { EngineStatus } from '../api/contract.js'

export interface EngineProcess {
  readonly pid: number | undefined
  /** SIGTERM: the engine shuts down cleanly. */
  terminate(): void
  /** SIGKILL: used only when a stop takes too long. */
  kill(): void
  onExit(listener: (code: number | null, signal: string | null) => void): void
  /** Last lines the process wrote to stdout/stderr (for crash notices). */
  tail(): string
}

export type Launcher = (script: string, args: string[]) => EngineProcess

export interface EngineHostOptions {
  dataDir: string
  serverScript: string
  launcher: Launcher
  onStatus: (s: EngineStatus) => void
  onNotice: (level: 'info' | 'warning' | 'error', message: string) => void
  /** Crashes within this window count towards `maxRestarts` before giving up. */
  restartWindowMs?: number
  maxRestarts?: number
  readyTimeoutMs?: number
  stopTimeoutMs?: number
}

const DEFAULT_CONFIG = `# Strata embedded engine configuration (redis.conf syntax).
# The console starts the engine with this file and adds --port; edit while the engine is stopped.
bind 127.0.0.1
protected-mode yes
dir ./data
save 3600 1 300 100 60 10000
appendonly no
appendfsync everysec
# Keyspace notifications let the key browser follow changes live.
notify-keyspace-events KA
`

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export class EngineHost {
  private proc: EngineProcess | null = null
  private port: number | null = null
  private state: EngineStatus['state'] = 'stopped'
  private restarts = 0
  private crashTimes: number[] = []
  private lastError: string | null = null
  private stopping = false
  readonly configFile: string
  private readonly opts: Required<EngineHostOptions>

  constructor(opts: EngineHostOptions) {
    this.opts = { restartWindowMs: 60_000, maxRestarts: 5, readyTimeoutMs: 15_000, stopTimeoutMs: 30_000, ...opts }
    this.configFile = join(opts.dataDir, 'strata.conf')
  }

  status(): EngineStatus {
    return {
      state: this.state,
      port: this.port,
      pid: this.proc?.pid ?? null,
      dataDir: this.opts.dataDir,
      configFile: this.configFile,
      restarts: this.restarts,
      lastError: this.lastError,
    }
  }

  async start(): Promise<EngineStatus> {
    if (this.proc) return this.status()
    mkdirSync(join(this.opts.dataDir, 'data'), { recursive: true })
    if (!existsSync(this.configFile)) writeFileSync(this.configFile, DEFAULT_CONFIG)
    this.stopping = false
    // Keep the port across restarts so open connections find the engine again.
    this.port ??= await freePort()
    this.setState(this.restarts > 0 ? 'restarting' : 'starting')
    const proc = this.opts.launcher(this.opts.serverScript, [
      this.configFile,
      '--port',
      String(this.port),
      '--dir',
      join(this.opts.dataDir, 'data'),
    ])
    this.proc = proc
    proc.onExit((code, signal) => this.exited(proc, code, signal))
    try {
      await this.waitReady(proc)
    } catch (e) {
      this.lastError = `${(e as Error).message}${proc.tail() ? `\n${proc.tail()}` : ''}`
      if (this.proc === proc) {
        proc.kill()
        this.proc = null
      }
      this.setState('crashed')
      throw new Error(`The embedded engine did not start: ${this.lastError}`, { cause: e })
    }
    this.setState('running')
    return this.status()
  }

  /** Stops the engine (SHUTDOWN semantics via SIGTERM); SIGKILL after stopTimeoutMs. */
  async stop(): Promise<void> {
    const proc = this.proc
    if (!proc) return
    this.stopping = true
    this.setState('stopping')
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.opts.onNotice('warning', 'The engine did not stop in time and was killed')
        proc.kill()
      }, this.opts.stopTimeoutMs)
      proc.onExit(() => {
        clearTimeout(timer)
        resolve()
      })
      proc.terminate()
    })
  }

  async restart(): Promise<EngineStatus> {
    await this.stop()
    return this.start()
  }

  private async waitReady(proc: EngineProcess): Promise<void> {
    const deadline = Date.now() + this.opts.readyTimeoutMs
    let exited = false
    proc.onExit(() => (exited = true))
    for (;;) {
      if (exited) throw new Error('the engine process exited during start-up')
      const client = new Redis({
        host: '127.0.0.1',
        port: this.port!,
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        enableReadyCheck: false,
      })
      client.on('error', () => {})
      try {
        await client.connect()
        if ((await client.ping()) === 'PONG') return
      } catch {
        // not listening yet
      } finally {
        client.disconnect()
      }
      if (Date.now() > deadline)
        throw new Error(`no answer on 127.0.0.1:${this.port} within ${this.opts.readyTimeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  private exited(proc: EngineProcess, code: number | null, signal: string | null): void {
    if (this.proc !== proc) return
    this.proc = null
    if (this.stopping) {
      this.setState('stopped')
      return
    }
    if (this.state === 'starting' || this.state === 'restarting') return // start() reports it
    const how = signal ? `signal ${signal}` : `exit code ${code}`
    const tail = proc.tail()
    this.lastError = `The engine stopped unexpectedly (${how})${tail ? `: ${tail}` : ''}`
    const now = Date.now()
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.opts.restartWindowMs), now]
    this.setState('crashed')
    if (this.crashTimes.length > this.opts.maxRestarts) {
      this.opts.onNotice(
        'error',
        `The embedded engine keeps crashing (${how}); not restarting it again. Use Restart once fixed.`,
      )
      return
    }
    this.restarts++
    this.opts.onNotice('warning', `The embedded engine crashed (${how}) and is being restarted`)
    this.start().then(
      () => this.opts.onNotice('info', 'The embedded engine is running again'),
      (e: unknown) => this.opts.onNotice('error', (e as Error).message),
    )
  }

  private setState(state: EngineStatus['state']): void {
    this.state = state
    this.opts.onStatus(this.status())
  }
}
