// The master side of a full resynchronization (replication.c's syncCommand, replconfCommand and
// the RDB transfer): SYNC and PSYNC reply with the point-in-time dataset as an RDB bulk, taken
// with the fork-less snapshot, as `redis-cli --rdb` and the console's backups expect. A client
// that declared `REPLCONF capa eof` gets it streamed straight from the snapshot (`$EOF:<mark>`,
// as Redis's diskless sync); any other gets a BGSAVE'd dump.rdb sent as `$<len>`. Replication of
// later writes is not provided.

import { randomBytes } from 'node:crypto'
import { createReadStream, statSync, unlinkSync } from 'node:fs'
import type { Client } from '../server/client.js'
import type { Server } from '../server/server.js'
import type { CommandDef } from './table.js'
import { snapshots } from '../persistence/snapshot.js'
import { RdbStream, type ChunkOutput } from '../persistence/rdb/stream.js'
import { rdbPath, rdbState, startBgsave } from '../persistence/save.js'

const G = 'server'
const EOF_MARK_SIZE = 40

interface ReplicaState {
  capaEof: boolean
  /** Set once SYNC/PSYNC started: the connection is a replica from then on. */
  syncing: boolean
}

function replicaState(c: Client): ReplicaState {
  let r = c.ext.replica as ReplicaState | undefined
  if (!r) {
    r = { capaEof: false, syncing: false }
    c.ext.replica = r
  }
  return r
}

function replconf(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) {
    c.error('ERR syntax error')
    return
  }
  const r = replicaState(c)
  for (let i = 1; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase()
    if (opt === 'capa') {
      if (argv[i + 1].toLowerCase() === 'eof') r.capaEof = true
    } else if (opt === 'ack' || opt === 'fack') {
      // Offsets acknowledged by a replica: there is no replication stream to track, and no reply.
      return
    } else if (!['listening-port', 'ip-address', 'rdb-only', 'rdb-filter-only', 'getack'].includes(opt)) {
      c.error(`ERR Unrecognized REPLCONF option: ${argv[i]}`)
      return
    }
  }
  c.ok()
}

/** Sends bytes to the replica now, after anything it was already owed. */
function sendNow(c: Client, data: string | Buffer): boolean {
  if (c.out.length > 0) {
    c.socket.write(c.out, 'latin1')
    c.out = ''
  }
  return typeof data === 'string' ? c.socket.write(data, 'latin1') : c.socket.write(data)
}

function sync(c: Client, argv: string[], srv: Server): void {
  const r = replicaState(c)
  if (r.syncing) return
  if (argv[0].toLowerCase() === 'psync') {
    // Only a full resynchronization is offered: any replid/offset gets +FULLRESYNC.
    sendNow(c, `+FULLRESYNC ${srv.runId} 0\r\n`)
  }
  r.syncing = true
  srv.stats.syncFull++
  // The connection now carries the transfer: no command of this client runs until it is done.
  c.blocked = true
  srv.log.notice(`Replica ${c.addr} asks for synchronization`)
  if (r.capaEof && srv.config.getBool('repl-diskless-sync')) streamDiskless(c, srv)
  else void sendViaDisk(c, srv)
}

function finishTransfer(c: Client, srv: Server): void {
  if (c.closed) return
  srv.log.notice(`Synchronization with replica ${c.addr} succeeded`)
  c.blocked = false
  srv.processInput(c)
}

/** Diskless: the snapshot's chunks go straight to the socket, framed by a random EOF mark. */
function streamDiskless(c: Client, srv: Server): void {
  const mark = randomBytes(EOF_MARK_SIZE / 2).toString('hex')
  sendNow(c, `$EOF:${mark}\r\n`)
  const sock = c.socket
  const out: ChunkOutput = {
    // A written chunk goes back to the encoder: a fresh 64 KB buffer per chunk is external memory
    // that sets off full collections of the whole heap during the transfer.
    write: (chunk) => {
      if (!c.closed) sock.write(chunk, () => out.recycle?.(chunk))
    },
    pending: () => sock.writableLength,
  }
  const stream = new RdbStream(srv, out)
  const snap = snapshots(srv).start(stream)
  stream.setSizes((i) => [snap.sizes[i], snap.expires[i]])
  const onDrain = (): void => snap.resume()
  const onClose = (): void => snap.cancel()
  sock.on('drain', onDrain)
  sock.once('close', onClose)
  void snap.done.then(() => {
    sock.off('drain', onDrain)
    sock.off('close', onClose)
    if (snap.cancelled || c.closed) return
    stream.end()
    sock.write(mark, 'latin1')
    finishTransfer(c, srv)
  })
}

/** Disk-backed: BGSAVE into dump.rdb (after any running one), then send it as one bulk. */
async function sendViaDisk(c: Client, srv: Server): Promise<void> {
  const st = rdbState(srv)
  for (;;) {
    if (c.closed) return
    const running = st.bg
    if (running) {
      await running.result
      continue
    }
    const r = startBgsave(srv)
    if (!r.ok) {
      srv.log.warning(`SYNC failed: ${r.error}`)
      c.socket.destroy()
      return
    }
    const bg = st.bg
    if (bg && (await bg.result)) break
    srv.log.warning('SYNC failed: BGSAVE for replication failed')
    c.socket.destroy()
    return
  }
  if (c.closed) return
  const path = rdbPath(srv)
  const size = statSync(path).size
  sendNow(c, `$${size}\r\n`)
  await new Promise<void>((resolve) => {
    const rs = createReadStream(path)
    rs.on('error', () => {
      c.socket.destroy()
      resolve()
    })
    rs.on('end', resolve)
    c.socket.once('close', () => {
      rs.destroy()
      resolve()
    })
    rs.pipe(c.socket, { end: false })
  })
  // rdb-del-sync-files: a dump made only for replication is removed when nothing persists.
  if (
    srv.config.getBool('rdb-del-sync-files') &&
    srv.config.saveRules().length === 0 &&
    !srv.config.getBool('appendonly')
  ) {
    try {
      unlinkSync(path)
    } catch {
      // Already gone.
    }
  }
  finishTransfer(c, srv)
}

export const syncCommands: CommandDef[] = [
  {
    name: 'sync',
    arity: 1,
    flags: ['admin', 'noscript', 'no_multi'],
    group: G,
    handler: sync,
    summary: 'Internal command used for replication',
  },
  {
    name: 'psync',
    arity: -3,
    flags: ['admin', 'noscript', 'no_multi'],
    group: G,
    handler: sync,
    summary: 'Internal command used for replication',
  },
  {
    name: 'replconf',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'],
    group: G,
    handler: replconf,
    summary: 'An internal command for configuring the replication stream',
  },
]
