// Writing and syncing the AOF: with `always` no reply leaves before its command is in the file;
// a disk that refuses writes (the incr's fd swapped for /dev/full: ENOSPC) sets
// aof_last_write_status:err, write commands and PING get MISCONF while reads still work, and
// everything is written once the disk recovers; under `always` the client whose write could not
// be made durable loses its connection instead of getting an acknowledgement; with everysec and a
// slow fsync, writes are postponed for at most 2 s and aof_delayed_fsync counts the give-ups.

import { afterEach, describe, expect, it } from 'vitest'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RawClient, ReplyError, encodeCommand, sleep } from './helpers.js'
import { removeDir, startAofServer, tempDir, type AofServer } from './aof-helpers.js'
import { aofState } from '../src/persistence/aof/state.js'

const servers: AofServer[] = []
const dirs: string[] = []

async function start(args: string[]): Promise<AofServer> {
  const dir = tempDir()
  dirs.push(dir)
  const s = await startAofServer(dir, ['--appendonly', 'yes', ...args])
  servers.push(s)
  return s
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
  for (const d of dirs.splice(0)) removeDir(d)
})

function incr(s: AofServer): string {
  return readFileSync(join(s.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1')
}

async function infoField(port: number, name: string): Promise<string> {
  const c = await RawClient.connect(port)
  const text = (await c.call('INFO', 'persistence')) as string
  c.close()
  return new RegExp(`^${name}:(.*)\r$`, 'm').exec(text)?.[1] ?? ''
}

/** Swaps the open incr's fd for /dev/full (every write fails with ENOSPC); returns the restore. */
function diskFull(s: AofServer): () => void {
  const st = aofState(s.srv)
  const good = st.fd
  st.fd = openSync('/dev/full', 'w')
  return () => {
    closeSync(st.fd)
    st.fd = good
  }
}

const MISCONF = new ReplyError('MISCONF Errors writing to the AOF file: No space left on device')

describe('AOF write and fsync', () => {
  // (everysec writes before replying too, except while a background fsync postpones the write.)
  it('appendfsync always: every reply comes after its command is in the file', async () => {
    const s = await start(['--appendfsync', 'always'])
    const c = await RawClient.connect(s.port)
    const pending: Promise<void>[] = []
    for (let i = 0; i < 300; i++) {
      const cmd = ['SET', `k${i}`, `v${i}`]
      pending.push(
        c.call(...cmd).then(() => {
          expect(incr(s)).toContain(encodeCommand(cmd).toString('latin1'))
        }),
      )
    }
    await Promise.all(pending)
    c.close()
  })

  it('appendfsync everysec: a failed write gives MISCONF to writes and PING until the disk recovers', async () => {
    const s = await start(['--appendfsync', 'everysec'])
    const c = await RawClient.connect(s.port)
    await c.call('SET', 'before', '1')
    // No background fsync in flight, so the next write is not postponed but attempted.
    while ((await infoField(s.port, 'aof_pending_bio_fsync')) !== '0') await sleep(10)
    const restore = diskFull(s)
    // Acknowledged (everysec does not wait for the disk); the write behind it fails.
    expect(await c.call('SET', 'during', '2')).toBe('OK')
    expect(await infoField(s.port, 'aof_last_write_status')).toBe('err')
    expect(await c.call('SET', 'refused', '3')).toEqual(MISCONF)
    expect(await c.call('PING')).toEqual(MISCONF)
    expect(await c.call('GET', 'before')).toBe('1')
    expect(Number(await infoField(s.port, 'aof_buffer_length'))).toBeGreaterThan(0)
    restore()
    // cron retries the buffered write.
    for (let i = 0; i < 100 && (await infoField(s.port, 'aof_last_write_status')) !== 'ok'; i++) await sleep(20)
    expect(await c.call('SET', 'after', '4')).toBe('OK')
    expect(incr(s)).toContain(encodeCommand(['SET', 'during', '2']).toString('latin1'))
    expect(incr(s)).not.toContain('refused')
    expect(s.logs.join('\n')).toContain('AOF write error looks solved, Redis can write again.')
    c.close()
  })

  it('appendfsync always: a write that cannot reach the disk is never acknowledged', async () => {
    const s = await start(['--appendfsync', 'always'])
    const writer = await RawClient.connect(s.port)
    const reader = await RawClient.connect(s.port)
    await writer.call('SET', 'before', '1')
    const restore = diskFull(s)
    writer.writeRaw(encodeCommand(['SET', 'unacked', '2']))
    await writer.waitClose()
    expect(await reader.call('SET', 'refused', '3')).toEqual(MISCONF)
    expect(await reader.call('GET', 'before')).toBe('1')
    restore()
    for (let i = 0; i < 100 && (await infoField(s.port, 'aof_last_write_status')) !== 'ok'; i++) await sleep(20)
    expect(await reader.call('SET', 'after', '4')).toBe('OK')
    // The unacknowledged write is in memory, so it reaches the file once the disk is back.
    expect(incr(s)).toContain(encodeCommand(['SET', 'unacked', '2']).toString('latin1'))
    reader.close()
  })

  it('appendfsync everysec with a slow fsync: writes wait at most 2 s, aof_delayed_fsync counts it', async () => {
    const s = await start(['--appendfsync', 'everysec', '--appendfsync-test-delay', '3000'])
    const c = await RawClient.connect(s.port)
    const t0 = Date.now()
    let sawBuffered = false
    let sawFsync = false
    while (Date.now() - t0 < 4500) {
      await c.call('INCR', 'n')
      sawBuffered ||= Number(await infoField(s.port, 'aof_buffer_length')) > 0
      sawFsync ||= (await infoField(s.port, 'aof_pending_bio_fsync')) === '1'
      await sleep(20)
    }
    expect(sawBuffered).toBe(true)
    expect(sawFsync).toBe(true)
    expect(Number(await infoField(s.port, 'aof_delayed_fsync'))).toBeGreaterThanOrEqual(1)
    expect(s.logs.join('\n')).toContain('Asynchronous AOF fsync is taking too long')
    c.close()
  }, 20_000)
})
