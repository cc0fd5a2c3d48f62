// A synchronous write of a whole buffer to a file descriptor (writeSync may write less than asked).

import { writeSync } from 'node:fs'

export function writeAllSync(fd: number, buf: Uint8Array): void {
  let off = 0
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
}
