// Server log lines in Redis's format (`pid:M dd Mon yyyy hh:mm:ss.mmm * message`), to stdout or
// the configured logfile, filtered by loglevel.

import { appendFileSync } from 'node:fs'

const LEVELS = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 } as const
export type LogLevel = Exclude<keyof typeof LEVELS, 'nothing'>
const MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#' }
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

export class Logger {
  level: keyof typeof LEVELS = 'notice'
  file = ''
  /** Captured lines, for tests that assert on what was logged. */
  sink: ((line: string) => void) | null = null

  log(level: LogLevel, msg: string): void {
    if (LEVELS[level] < LEVELS[this.level]) return
    const d = new Date()
    const p = (n: number, w = 2): string => String(n).padStart(w, '0')
    const ts = `${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`
    const line = `${process.pid}:M ${ts} ${MARK[level]} ${msg}`
    if (this.sink) this.sink(line)
    else if (this.file) appendFileSync(this.file, line + '\n')
    else process.stdout.write(line + '\n')
  }

  notice(msg: string): void {
    this.log('notice', msg)
  }

  warning(msg: string): void {
    this.log('warning', msg)
  }

  verbose(msg: string): void {
    this.log('verbose', msg)
  }
}
