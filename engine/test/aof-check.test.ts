// strata-check-aof against Strata's own appendonlydir and damaged copies of it: valid folders
// pass, a torn or damaged file is reported at the same ok_up_to/diff as redis-check-aof reports,
// --fix truncates only the last file and only after a yes, and the fixed folder loads.

import { afterEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RawClient, requireProgram } from './helpers.js'
import { dumpDataset, removeDir, startAofServer, tempDir, type AofServer } from './aof-helpers.js'
import { runCheckAof } from '../src/tools/check-aof.js'

const AOF_DIR = 'appendonlydir'
const dirs: string[] = []
const servers: AofServer[] = []

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
  for (const d of dirs.splice(0)) removeDir(d)
})

function newDir(): string {
  const d = tempDir()
  dirs.push(d)
  return d
}

function check(args: string[], answer = ''): { code: number; out: string } {
  let out = ''
  const code = runCheckAof(args, { out: (s) => void (out += s), confirm: () => answer })
  return { code, out }
}

function redisCheck(path: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('redis-check-aof', [path], (err, stdout) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout })
    })
  })
}

/** The numbers of the "AOF analyzed" line. */
function analyzed(out: string): { okUpTo: number; diff: number } {
  const m = /ok_up_to=(\d+), ok_up_to_line=\d+, diff=(\d+)/.exec(out)
  if (!m) throw new Error(`no analysis in:\n${out}`)
  return { okUpTo: Number(m[1]), diff: Number(m[2]) }
}

/** A Strata folder with a base, and an incr holding a few commands and a MULTI/EXEC. */
async function strataFolder(): Promise<string> {
  const dir = newDir()
  const s = await startAofServer(dir, ['--appendonly', 'yes'])
  const c = await RawClient.connect(s.port)
  for (const cmd of [
    ['SET', 'a', '1'],
    ['RPUSH', 'l', 'x', 'y'],
    ['MULTI'],
    ['INCR', 'n'],
    ['SET', 'b', '2'],
    ['EXEC'],
    ['SET', 'last', 'value'],
  ]) {
    await c.call(...cmd)
  }
  c.close()
  await s.close()
  return dir
}

function copyFolder(from: string): string {
  const to = newDir()
  mkdirSync(join(to, AOF_DIR))
  for (const f of readdirSync(join(from, AOF_DIR))) copyFileSync(join(from, AOF_DIR, f), join(to, AOF_DIR, f))
  return to
}

const manifestOf = (dir: string): string => join(dir, AOF_DIR, 'appendonly.aof.manifest')
const incrOf = (dir: string): string => join(dir, AOF_DIR, 'appendonly.aof.1.incr.aof')

describe('strata-check-aof', () => {
  it('accepts a valid folder and each of its files', async () => {
    const dir = await strataFolder()
    const r = check([manifestOf(dir)])
    expect(r.code).toBe(0)
    expect(r.out).toContain('Start to check BASE AOF (RDB format).')
    expect(r.out).toContain('RDB preamble is OK, proceeding with AOF tail...')
    expect(r.out).toContain('INCR AOF appendonly.aof.1.incr.aof is valid')
    expect(r.out).toContain('All AOF files and manifest are valid')
    expect(check([incrOf(dir)]).code).toBe(0)
    expect(check([join(dir, AOF_DIR, 'appendonly.aof.1.base.rdb')]).code).toBe(0)
  })

  it.skipIf(!requireProgram('redis-check-aof'))(
    'finds the same ok_up_to and diff as redis-check-aof on damaged files',
    async () => {
      const dir = await strataFolder()
      const full = readFileSync(incrOf(dir))
      const multi = full.indexOf('*1\r\n$5\r\nMULTI')
      const damages: [string, (b: Buffer) => Buffer][] = [
        ['torn in the last command', (b) => b.subarray(0, b.length - 5)],
        ['torn inside MULTI', (b) => b.subarray(0, multi + 20)],
        [
          'a bad prefix in the middle',
          (b) => Buffer.concat([b.subarray(0, multi), Buffer.from('X'), b.subarray(multi + 1)]),
        ],
        ['a bad CRLF after a bulk', (b) => Buffer.concat([b.subarray(0, 30), Buffer.from('!!'), b.subarray(32)])],
      ]
      for (const [what, damage] of damages) {
        const d = copyFolder(dir)
        writeFileSync(incrOf(d), damage(full))
        const ours = check([incrOf(d)])
        const theirs = await redisCheck(incrOf(d))
        expect(ours.code, what).toBe(1)
        expect(theirs.code, what).toBe(1)
        expect(analyzed(ours.out), what).toEqual(analyzed(theirs.out))
      }
    },
  )

  it('--fix truncates a torn last file after a yes, and the folder then loads', async () => {
    const dir = await strataFolder()
    const before = await (async () => {
      const s = await startAofServer(copyFolder(dir), ['--appendonly', 'yes'])
      servers.push(s)
      return dumpDataset(s.port)
    })()
    const full = readFileSync(incrOf(dir))
    truncateSync(incrOf(dir), full.length - 4)
    const no = check(['--fix', manifestOf(dir)], 'n\n')
    expect(no.code).toBe(1)
    expect(no.out).toContain('Aborting...')
    expect(readFileSync(incrOf(dir)).length).toBe(full.length - 4)
    const yes = check(['--fix', manifestOf(dir)], 'y\n')
    expect(yes.out).toContain('Continue? [y/N]: Successfully truncated AOF appendonly.aof.1.incr.aof')
    expect(yes.code).toBe(0)
    const last = '*3\r\n$3\r\nSET\r\n$4\r\nlast\r\n$5\r\nvalue\r\n'
    expect(readFileSync(incrOf(dir))).toEqual(full.subarray(0, full.length - last.length))
    expect(check([manifestOf(dir)]).code).toBe(0)
    const s = await startAofServer(dir, ['--appendonly', 'yes'])
    servers.push(s)
    const after = await dumpDataset(s.port)
    before.delete('0:last')
    expect(after).toEqual(before)
  })

  it('--fix never touches a damaged file that is not the last one', async () => {
    const dir = await strataFolder()
    const full = readFileSync(incrOf(dir))
    writeFileSync(join(dir, AOF_DIR, 'appendonly.aof.2.incr.aof'), '')
    writeFileSync(
      manifestOf(dir),
      readFileSync(manifestOf(dir), 'latin1') + 'file appendonly.aof.2.incr.aof seq 2 type i\n',
    )
    truncateSync(incrOf(dir), full.length - 4)
    const r = check(['--fix', manifestOf(dir)], 'y\n')
    expect(r.code).toBe(1)
    expect(r.out).toContain('Failed to truncate AOF appendonly.aof.1.incr.aof because it is not the last file')
    expect(readFileSync(incrOf(dir)).length).toBe(full.length - 4)
  })
})
