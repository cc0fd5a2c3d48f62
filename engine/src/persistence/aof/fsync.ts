// Writing and syncing the AOF buffer (aof.c's flushAppendOnlyFile, Redis 7.0), called from the
// server's beforeSleep before any reply of the loop turn leaves, and from cron:
// - always: write, then fdatasync on the loop, so every write command of the turn is durable
//   before its reply (group commit);
// - everysec: write every turn; an fdatasync runs off the loop at most once a second. While one is
//   still running a write is postponed (the write would block behind it), for at most 2 s: then it
//   is written anyway and aof_delayed_fsync counts it;
// - no: write only.
// A failed write keeps the unwritten bytes for the next try (cron retries every tick), sets
// aof_last_write_status:err and makes write commands fail with MISCONF until a write succeeds.
// Under `always` the clients whose writes were in the failed batch are disconnected without their
// replies (Redis exits instead): nothing is acknowledged that is not on disk.

import { fdatasync, fdatasyncSync, ftruncateSync, writeSync } from 'node:fs'
import type { Server } from '../../server/server.js'
import type { Client } from '../../server/client.js'
import type { Command } from '../../commands/table.js'
import { rdbState } from '../save.js'
import { aofState, type AofState } from './state.js'

/** How long a write may wait for a running background fsync (2 s in Redis). */
const MAX_POSTPONE_MS = 2000

/** glibc's strerror for the errors a write or fsync can report (MISCONF quotes it). */
const STRERROR: Record<string, string> = {
  ENOSPC: 'No space left on device',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  EROFS: 'Read-only file system',
  EPERM: 'Operation not permitted',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
}

function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  return (code && STRERROR[code]) || (e as Error).message
}

function fsyncPolicy(srv: Server): string {
  return srv.config.get('appendfsync')
}

/** no-appendfsync-on-rewrite: skip fsync while a rewrite or BGSAVE writes heavily. */
function fsyncSkipped(st: AofState): boolean {
  return st.srv.config.getBool('no-appendfsync-on-rewrite') && (st.rewrite !== null || rdbState(st.srv).bg !== null)
}

/** flushAppendOnlyFile(force). */
export function flushAof(st: AofState, force: boolean): void {
  if (st.fd < 0) return
  const srv = st.srv
  const policy = fsyncPolicy(srv)
  const now = Date.now()
  if (st.buf.length === 0) {
    // Nothing new, but bytes written earlier may still need their once-a-second fsync.
    if (policy === 'everysec' && st.unsynced && Math.floor(now / 1000) > st.lastFsyncSec && st.fsyncInFlight === 0) {
      startBackgroundFsync(st, now)
    }
    return
  }
  if (policy === 'everysec' && !force && st.fsyncInFlight > 0) {
    if (st.flushPostponedStart === 0) {
      st.flushPostponedStart = now
      return
    }
    if (now - st.flushPostponedStart < MAX_POSTPONE_MS) return
    st.delayedFsync++
    srv.log.notice(
      'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.',
    )
  }
  st.flushPostponedStart = 0
  if (!writeBuffer(st)) return
  if (fsyncSkipped(st)) {
    st.writers.clear()
    return
  }
  if (policy === 'always') {
    try {
      fdatasyncSync(st.fd)
    } catch (e) {
      writeFailed(st, e, 'fsync')
      return
    }
    st.fsyncError = ''
    st.unsynced = false
    st.lastFsyncSec = Math.floor(now / 1000)
    st.writers.clear()
  } else {
    st.writers.clear()
    if (policy === 'everysec' && Math.floor(now / 1000) > st.lastFsyncSec && st.fsyncInFlight === 0) {
      startBackgroundFsync(st, now)
    }
  }
}

/** Writes the whole buffer; false (and the error state set) when it could not. */
function writeBuffer(st: AofState): boolean {
  const data = Buffer.from(st.buf, 'latin1')
  let done = 0
  try {
    while (done < data.length) done += writeSync(st.fd, data, done, data.length - done)
  } catch (e) {
    if (done > 0) {
      // Undo the partial write so the file ends on a command boundary; if that fails, keep what
      // was written and drop it from the buffer, as Redis does.
      try {
        ftruncateSync(st.fd, st.lastIncrSize)
        done = 0
      } catch {
        st.srv.log.warning(
          'Could not remove short write from the append-only file. Redis may refuse to load the AOF the next time it starts. ftruncate: ' +
            strerror(e),
        )
        st.buf = st.buf.slice(done)
        st.currentSize += done
        st.lastIncrSize += done
      }
    }
    writeFailed(st, e, 'write')
    return false
  }
  st.buf = ''
  st.currentSize += done
  st.lastIncrSize += done
  st.unsynced = true
  if (st.lastWriteStatus === 'err') {
    st.srv.log.warning('AOF write error looks solved, Redis can write again.')
    st.lastWriteStatus = 'ok'
  }
  return true
}

function writeFailed(st: AofState, e: unknown, what: 'write' | 'fsync'): void {
  const srv = st.srv
  const why = strerror(e)
  srv.log.warning(
    what === 'write'
      ? `Error writing to the AOF file: ${why}`
      : `Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${why}.`,
  )
  if (what === 'write') {
    st.lastWriteStatus = 'err'
    st.lastWriteError = why
  } else {
    st.fsyncError = why
  }
  if (fsyncPolicy(srv) === 'always') dropUnsyncedReplies(st)
}

/** Under `always`: the writers of a batch that is not on disk lose their connection, not their data. */
function dropUnsyncedReplies(st: AofState): void {
  for (const c of st.writers) {
    if (c.closed) continue
    c.out = ''
    c.closeAfterReply = true
    st.srv.queueReply(c)
  }
  st.writers.clear()
}

/** aof_background_fsync: fdatasync on the thread pool; its failure is reported like a write error. */
function startBackgroundFsync(st: AofState, now: number): void {
  const fd = st.fd
  st.fsyncInFlight++
  st.unsynced = false
  st.lastFsyncSec = Math.floor(now / 1000)
  const delay = st.srv.config.getInt('appendfsync-test-delay')
  // The job ends when the fsync has returned: an incr switch closes this fd only after that (an fd
  // number closed and reused too early would let the fsync hit another file).
  const job = new Promise<void>((res) => {
    const run = (): void =>
      fdatasync(fd, (err) => {
        st.fsyncInFlight--
        // The result of an fsync of a file no longer written (switched or closed) does not matter.
        if (fd !== st.fd) {
          res()
          return
        }
        if (err) {
          st.fsyncError = strerror(err)
          st.unsynced = true
          st.srv.log.warning(`Error syncing the AOF file in the background: ${st.fsyncError}`)
        } else if (st.fsyncError !== '') {
          st.srv.log.warning('AOF fsync error looks solved, Redis can write again.')
          st.fsyncError = ''
        }
        res()
      })
    // Tests slow the disk down with appendfsync-test-delay to exercise the postponement rule.
    if (delay > 0) setTimeout(run, delay)
    else run()
  })
  st.closing = st.closing.then(() => job)
}

/** serverCron's part: retry postponed or failed writes, start the once-a-second fsync. */
export function aofCron(st: AofState): void {
  if (st.status === 'off' || st.fd < 0) return
  if (st.fsyncError !== '' && fsyncPolicy(st.srv) === 'always' && st.buf.length === 0) {
    try {
      fdatasyncSync(st.fd)
      st.srv.log.warning('AOF fsync error looks solved, Redis can write again.')
      st.fsyncError = ''
    } catch {
      return
    }
  }
  flushAof(st, false)
}

/** writeCommandsDeniedByDiskError for the AOF: write commands and PING get MISCONF. */
export function aofMisconf(srv: Server, c: Client, cmd: Command): boolean {
  if (!cmd.isWrite && cmd.name !== 'ping') return false
  const st = aofState(srv)
  if (st.status === 'off') return false
  const why = st.lastWriteStatus === 'err' ? st.lastWriteError : st.fsyncError
  if (why === '') return false
  srv.reject(c, cmd, `MISCONF Errors writing to the AOF file: ${why}`)
  return true
}
