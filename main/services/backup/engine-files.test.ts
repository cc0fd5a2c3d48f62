// The crash-safe file swap of a restore: interrupted after every step it recovers to the old or
// the new files (never a mix), and the AOF layout it writes is what real redis-server 7.0 loads
// with appendonly yes (the AOF wins over dump.rdb at start).

import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireProgram, startRealRedis, startServer, type TestServer } from '../../../engine/test/helpers.js'
import { aofManifest, recover, stage, swap, type EngineFiles } from './engine-files.js'
import { fill, snapshot, type Snapshot } from './fixtures.js'

const hasRedis = requireProgram('redis-server')
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')

let dir: string
let rdbA: string
let rdbB: string
let dataB: Snapshot

/** Saves a dataset from the in-process engine as an RDB file; returns what it holds. */
async function makeRdb(server: TestServer, tag: string, out: string): Promise<Snapshot> {
  const c = new Redis({ port: server.port, lazyConnect: true, protocol: 2 })
  await c.connect()
  await c.flushall()
  await fill(c, tag, 50)
  await c.save()
  const snap = await snapshot(c)
  c.disconnect()
  copyFileSync(join(server.dir, 'dump.rdb'), out)
  return snap
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-swap-'))
  const server = await startServer()
  rdbA = join(dir, 'a.rdb')
  rdbB = join(dir, 'b.rdb')
  await makeRdb(server, 'old', rdbA)
  dataB = await makeRdb(server, 'new', rdbB)
  await server.close()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A data folder holding dataset A both as dump.rdb and as an AOF base. */
function oldData(name: string): EngineFiles {
  const d = join(dir, name)
  const files: EngineFiles = {
    dir: d,
    dbfilename: 'dump.rdb',
    appenddirname: 'appendonlydir',
    appendfilename: 'appendonly.aof',
    aof: true,
  }
  mkdirSync(join(d, 'appendonlydir'), { recursive: true })
  copyFileSync(rdbA, join(d, 'dump.rdb'))
  copyFileSync(rdbA, join(d, 'appendonlydir', 'appendonly.aof.1.base.rdb'))
  writeFileSync(join(d, 'appendonlydir', 'appendonly.aof.1.incr.aof'), '')
  writeFileSync(join(d, 'appendonlydir', 'appendonly.aof.manifest'), aofManifest('appendonly.aof'))
  return files
}

/** Which dataset the folder holds: 'A', 'B', or a description of the mix. */
function holds(f: EngineFiles): string {
  const dump = sha(join(f.dir, 'dump.rdb'))
  const base = sha(join(f.dir, 'appendonlydir', 'appendonly.aof.1.base.rdb'))
  const manifest = readFileSync(join(f.dir, 'appendonlydir', 'appendonly.aof.manifest'), 'utf8')
  if (manifest !== aofManifest('appendonly.aof')) return 'a broken manifest'
  if (dump === sha(rdbA) && base === sha(rdbA)) return 'A'
  if (dump === sha(rdbB) && base === sha(rdbB)) return 'B'
  return `a mix (dump ${dump.slice(0, 8)}, base ${base.slice(0, 8)})`
}

class Crash extends Error {}

describe('restore file swap', () => {
  const steps = ['journal', 'old dump.rdb', 'old appendonlydir', 'new dump.rdb', 'new appendonlydir', 'swapped']

  it.each(steps.map((s, i) => [s, i] as const))(
    'interrupted after "%s" recovers to old or new, never a mix',
    async (step, i) => {
      const f = oldData(`crash-${i}`)
      stage(f, rdbB)
      await expect(
        swap(f, (s) => {
          if (s === step) throw new Crash(s)
        }),
      ).rejects.toThrow(Crash)
      const outcome = recover(f.dir)
      expect(outcome).toBe(step === 'swapped' ? 'kept-new' : 'rolled-back')
      expect(holds(f)).toBe(step === 'swapped' ? 'B' : 'A')
      expect(existsSync(join(f.dir, '.strata-restore'))).toBe(false)
    },
  )

  it('an interruption while staging leaves the old files untouched', () => {
    const f = oldData('staging')
    stage(f, rdbB)
    expect(recover(f.dir)).toBe('none')
    expect(holds(f)).toBe('A')
  })

  it.skipIf(!hasRedis)(
    'real redis-server loads the restored AOF layout with appendonly yes, and dump.rdb without',
    async () => {
      const f = oldData('redis')
      stage(f, rdbB)
      await swap(f)
      recover(f.dir)
      for (const aof of ['yes', 'no']) {
        const redis = await startRealRedis(['--dir', f.dir, '--appendonly', aof])
        const c = new Redis({ port: redis.port, lazyConnect: true, protocol: 2 })
        await c.connect()
        expect(await snapshot(c)).toEqual(dataB)
        c.disconnect()
        await redis.close()
      }
    },
  )
})
