// Swapping the embedded engine's data files for a restore, crash-safely. The new files are staged
// in `<dir>/.strata-restore/new` (dump.rdb, and when the AOF is or may be used, an appendonlydir
// whose Redis 7 manifest names the restored RDB as its base with an empty incr, so the AOF that wins
// at start holds the restored data), a journal is written, the old files are renamed into `old/`
// and the new ones into place, and the journal is marked `swapped`. Every step is a rename or an
// atomic journal write, so `recover()` at the next start can always finish the job one way: before
// `swapped` it puts the old files back, after it keeps the new ones. Old or new, never a mix.

import {
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'

export interface EngineFiles {
  dir: string
  dbfilename: string
  appenddirname: string
  appendfilename: string
  /** Write the AOF directory too (appendonly is on, will be, or a directory already exists). */
  aof: boolean
}

interface Journal {
  state: 'staged' | 'swapped'
  items: { name: string; hadOld: boolean }[]
}

export type Step = (name: string) => void | Promise<void>

const WORK = '.strata-restore'

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, data)
  fsyncPath(tmp)
  renameSync(tmp, path)
}

function paths(dir: string) {
  const work = join(dir, WORK)
  return { work, fresh: join(work, 'new'), old: join(work, 'old'), journal: join(work, 'journal.json') }
}

/** The manifest Redis 7 writes for a base RDB and one (empty) incr file. */
export function aofManifest(appendfilename: string): string {
  return `file ${appendfilename}.1.base.rdb seq 1 type b\n` + `file ${appendfilename}.1.incr.aof seq 1 type i\n`
}

/** Copies the RDB into the staging area in the layout the engine will load. */
export function stage(f: EngineFiles, rdb: string): void {
  const p = paths(f.dir)
  rmSync(p.work, { recursive: true, force: true })
  mkdirSync(p.fresh, { recursive: true })
  mkdirSync(p.old, { recursive: true })
  const dump = join(p.fresh, f.dbfilename)
  copyFileSync(rdb, dump)
  fsyncPath(dump)
  if (f.aof) {
    const aofDir = join(p.fresh, f.appenddirname)
    mkdirSync(aofDir)
    const base = join(aofDir, `${f.appendfilename}.1.base.rdb`)
    copyFileSync(rdb, base)
    fsyncPath(base)
    const incr = join(aofDir, `${f.appendfilename}.1.incr.aof`)
    writeFileSync(incr, '')
    fsyncPath(incr)
    writeAtomic(join(aofDir, `${f.appendfilename}.manifest`), aofManifest(f.appendfilename))
    fsyncPath(aofDir)
  }
  fsyncPath(p.fresh)
}

/** Moves the staged files into place; the journal's `swapped` state is the commit point. */
export async function swap(f: EngineFiles, step: Step = () => {}): Promise<void> {
  const p = paths(f.dir)
  const names = [f.dbfilename, ...(f.aof ? [f.appenddirname] : [])]
  const journal: Journal = {
    state: 'staged',
    items: names.map((name) => ({ name, hadOld: existsSync(join(f.dir, name)) })),
  }
  writeAtomic(p.journal, JSON.stringify(journal))
  fsyncPath(p.work)
  await step('journal')
  for (const it of journal.items) {
    if (!it.hadOld) continue
    renameSync(join(f.dir, it.name), join(p.old, it.name))
    await step(`old ${it.name}`)
  }
  for (const it of journal.items) {
    renameSync(join(p.fresh, it.name), join(f.dir, it.name))
    await step(`new ${it.name}`)
  }
  fsyncPath(f.dir)
  writeAtomic(p.journal, JSON.stringify({ ...journal, state: 'swapped' }))
  await step('swapped')
}

/** Puts the previous files back (a failed start or verify, or recovery of an unfinished swap). */
export function rollback(dir: string): void {
  const p = paths(dir)
  if (!existsSync(p.journal)) {
    rmSync(p.work, { recursive: true, force: true })
    return
  }
  const j = JSON.parse(readFileSync(p.journal, 'utf8')) as Journal
  for (const it of [...j.items].reverse()) {
    const live = join(dir, it.name)
    const old = join(p.old, it.name)
    const fresh = join(p.fresh, it.name)
    // The live name holds the new data once the staged copy has left `new/`, unless the old one
    // has not been moved out yet (then it is still the old data).
    const liveIsNew = existsSync(live) && !existsSync(fresh) && (!it.hadOld || existsSync(old))
    if (liveIsNew) rmSync(live, { recursive: true, force: true })
    if (it.hadOld && existsSync(old)) renameSync(old, live)
  }
  fsyncPath(dir)
  rmSync(p.work, { recursive: true, force: true })
}

/** Drops the old files once the restored data is verified. */
export function commit(dir: string): void {
  rmSync(paths(dir).work, { recursive: true, force: true })
}

/** Called before the engine starts: finishes whatever a killed restore left. */
export function recover(dir: string): 'none' | 'rolled-back' | 'kept-new' {
  const p = paths(dir)
  if (!existsSync(p.work)) return 'none'
  if (!existsSync(p.journal)) {
    rmSync(p.work, { recursive: true, force: true })
    return 'none'
  }
  const j = JSON.parse(readFileSync(p.journal, 'utf8')) as Journal
  if (j.state === 'swapped') {
    commit(dir)
    return 'kept-new'
  }
  rollback(dir)
  return 'rolled-back'
}
