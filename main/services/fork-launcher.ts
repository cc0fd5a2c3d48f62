// Launches the engine with child_process.fork (web host, tests). Output is kept in a small ring
// for crash notices and appended to a log file in the data folder.

import { fork } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import type { EngineProcess, Launcher } from './engine-host.js'

export function tailBuffer(max = 20): { push(chunk: string): void; text(): string } {
  const lines: string[] = []
  return {
    push(chunk) {
      lines.push(...chunk.split('\n').filter((l) => l.trim() !== ''))
      if (lines.length > max) lines.splice(0, lines.length - max)
    },
    text: () => lines.slice(-5).join('\n'),
  }
}

export function forkLauncher(logFile: string): Launcher {
  return (script, args) => {
    const child = fork(script, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] })
    const log = createWriteStream(logFile, { flags: 'a' })
    const tail = tailBuffer()
    for (const s of [child.stdout!, child.stderr!]) {
      s.setEncoding('utf8')
      s.on('data', (d: string) => {
        tail.push(d)
        log.write(d)
      })
    }
    child.once('exit', () => log.end())
    const proc: EngineProcess = {
      pid: child.pid,
      terminate: () => child.kill('SIGTERM'),
      kill: () => child.kill('SIGKILL'),
      onExit: (l) => {
        if (child.exitCode !== null || child.signalCode !== null) l(child.exitCode, child.signalCode)
        else child.once('exit', (code, signal) => l(code, signal))
      },
      tail: () => tail.text(),
    }
    return proc
  }
}
