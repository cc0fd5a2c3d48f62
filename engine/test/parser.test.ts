import { describe, expect, it } from 'vitest'
import { RespParser } from '../src/protocol/parser.js'

const limits = { maxBulkLen: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 }

function encode(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')
}

/** Feeds the stream in pieces of the given sizes (cycled) and collects every command. */
function parseInPieces(stream: string, sizes: number[]): string[][] {
  const p = new RespParser(limits)
  const bytes = Buffer.from(stream, 'latin1')
  const out: string[][] = []
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]
    p.feed(bytes.subarray(at, at + n))
    at += n
    for (let argv = p.next(); argv !== null; argv = p.next()) out.push([...argv])
  }
  return out
}

describe('RespParser', () => {
  it('returns short and long binary arguments intact however the input is split', () => {
    const cmds: string[][] = []
    for (let i = 0; i < 300; i++) {
      const long = `key:${String(i).padStart(12, '0')}`
      const bin = String.fromCharCode(i % 256, 0, 255, 13, 10)
      cmds.push(['SET', long, 'x'.repeat(i % 20)], ['GET', bin], ['MSET', 'a'.repeat(12), 'b'.repeat(13), '', long])
    }
    // One large bulk that arrives over many reads and passes the decoded-buffer size limit.
    cmds.push(['SET', 'big', 'v'.repeat(200_000)], ['GET', 'k'])
    const stream = cmds.map(encode).join('')
    for (const sizes of [[stream.length], [1], [7, 3, 50], [4096], [65536, 100]]) {
      expect(parseInPieces(stream, sizes)).toEqual(cmds)
    }
  })
})
