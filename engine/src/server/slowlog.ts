// SLOWLOG (slowlog.c): commands slower than slowlog-log-slower-than µs, newest first, capped at
// slowlog-max-len, arguments trimmed as Redis does (32 args, 128 bytes each).

import type { Client } from './client.js'

export interface SlowLogEntry {
  id: number
  time: number
  usec: number
  argv: string[]
  addr: string
  name: string
}

const MAX_ARGC = 32
const MAX_ARGLEN = 128

export class SlowLog {
  entries: SlowLogEntry[] = []
  private nextId = 0
  maxLen = 128
  slowerThan = 10000

  add(c: Client, argv: string[], usec: number): void {
    if (this.maxLen === 0) return
    let args = argv.slice(0, argv.length > MAX_ARGC ? MAX_ARGC - 1 : MAX_ARGC)
    if (argv.length > MAX_ARGC) args.push(`... (${argv.length - MAX_ARGC + 1} more arguments)`)
    args = args.map((a) =>
      a.length > MAX_ARGLEN ? `${a.slice(0, MAX_ARGLEN)}... (${a.length - MAX_ARGLEN} more bytes)` : a,
    )
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(Date.now() / 1000),
      usec,
      argv: args,
      addr: c.addr,
      name: c.name,
    })
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen
  }

  reset(): void {
    this.entries = []
  }
}
