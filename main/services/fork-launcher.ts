// Launches the engine with child_process.fork (web host, tests). Output is kept in a small ring
// for crash notices and appended to a log file in the data folder.

import { fork } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { ENGINE_NODE_FLAGS } from '../../engine/src/util/heap.js'
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
    const child = fork(script, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [...ENGINE_NODE_FLAGS] })
    const log = createWriteStream(logFile, { flags: 'a' })
    const tail = tailBuffer()
    for (const s of [child.stdout!, child.stderr!]) {
      s.setEncoding('utf8')
      s.on('data', (d: string) => {
        tail.push(d)
        log.write(d)
      })
    }
    // Exit is reported once the output is drained and written: a crash notice or a test reading the
    // log right after a stop sees the last lines.
    let exit: [number | null, string | null] | null = null
    const listeners: ((code: number | null, signal: string | null) => void)[] = []
    child.once('close', (code, signal) =>
      log.end(() => {
        exit = [code, signal]
        for (const l of listeners.splice(0)) l(code, signal)
      }),
    )
    const proc: EngineProcess = {
      pid: child.pid,
      terminate: () => child.kill('SIGTERM'),
      kill: () => child.kill('SIGKILL'),
      onExit: (l) => (exit ? l(...exit) : listeners.push(l)),
      tail: () => tail.text(),
    }
    return proc
  }
}
