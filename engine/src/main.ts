// The standalone server's entry: reads redis.conf syntax from an optional file and `--name value`
// arguments (like redis-server), starts the server, and shuts it down cleanly on SIGINT/SIGTERM.

import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Config, ConfigError, argsToConfigText } from './server/config.js'
import { Server } from './server/server.js'
import { initPersistence } from './persistence/aof/index.js'

export async function main(args: string[]): Promise<Server> {
  const config = new Config()
  let rest = args
  if (rest.length > 0 && !rest[0].startsWith('--')) {
    const file = rest[0] === '-' ? '/dev/stdin' : resolve(rest[0])
    config.load(readFileSync(file, 'latin1'), `configuration file '${rest[0]}'`)
    if (rest[0] !== '-') config.file = file
    rest = rest.slice(1)
  }
  if (rest.length > 0) config.load(argsToConfigText(rest), 'command line arguments')
  const srv = new Server(config)
  srv.log.notice(`Strata server starting, pid=${process.pid}`)
  initPersistence(srv)
  await srv.listen()
  let stopping = false
  const stop = (sig: string): void => {
    if (stopping) return
    stopping = true
    srv.log.warning(`Received ${sig} scheduling shutdown...`)
    srv.shutdown().then(
      () => process.exit(0),
      (e: unknown) => {
        srv.log.warning(`Shutdown refused: ${(e as Error).message}; exiting anyway`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  srv.onShutdown = () => setImmediate(() => process.exit(0))
  return srv
}

export function runCli(args: string[]): void {
  main(args).catch((e: unknown) => {
    if (e instanceof ConfigError) process.stderr.write(e.message + '\n')
    else process.stderr.write(`Could not start: ${(e as Error).message}\n`)
    process.exit(1)
  })
}
