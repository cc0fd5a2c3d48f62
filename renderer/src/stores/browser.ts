// The key browser's state: the scan of the current connection/db (keys streamed into a KeyIndex,
// progress, cancel), filters, tree/list mode, expanded folders, the selected key, per-db counts,
// live updates from keyspace notifications, and bulk delete jobs.
// The KeyIndex is kept out of Vue's reactivity (a million keys); `version` signals changes.

import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { DbCount, Events, RedisType } from '../../../main/api/contract'
import { api } from '../api/client'
import { globMatch } from '../lib/glob'
import { KeyIndex, type RowView } from '../lib/key-index'

const REMOVING_EVENTS = new Set(['del', 'expired', 'evicted', 'rename_from', 'move_from', 'unlink'])
/** The type a notification event implies, for the type filter. */
const EVENT_TYPE: Record<string, RedisType> = {
  set: 'string',
  setrange: 'string',
  incrby: 'string',
  incrbyfloat: 'string',
  append: 'string',
  hset: 'hash',
  hincrby: 'hash',
  hincrbyfloat: 'hash',
  hdel: 'hash',
  lpush: 'list',
  rpush: 'list',
  linsert: 'list',
  lset: 'list',
  lrem: 'list',
  ltrim: 'list',
  lpop: 'list',
  rpop: 'list',
  sadd: 'set',
  srem: 'set',
  sinterstore: 'set',
  sunionstore: 'set',
  sdiffstore: 'set',
  zadd: 'zset',
  zincr: 'zset',
  zrem: 'zset',
  zinterstore: 'zset',
  zunionstore: 'zset',
  xadd: 'stream',
}

export type ViewMode = 'tree' | 'list'

/** How often the key list and progress are redrawn while a scan streams in. */
const SCAN_REDRAW_MS = 250

export interface BulkJob {
  jobId: string
  pattern: string
  deleted: number
  scanned: number
  total: number
  done: boolean
  cancelled: boolean
  error?: string
}

export const useBrowserStore = defineStore('browser', () => {
  const conn = ref<string | null>(null)
  const db = ref(0)
  const pattern = ref('*')
  const type = ref<RedisType | null>(null)
  const mode = ref<ViewMode>('tree')
  const separator = ref(':')
  const index = shallowRef(markRaw(new KeyIndex(':')))
  const version = ref(0)
  const scanId = ref<string | null>(null)
  const scanning = ref(false)
  const scanned = ref(0)
  const total = ref(0)
  const scanError = ref<string | null>(null)
  /** ms from scan start to the frame that draws the first keys (read by the e2e test). */
  const firstRowsMs = ref<number | null>(null)
  const scanMs = ref<number | null>(null)
  const expanded = ref(markRaw(new Set<string>()))
  const selected = ref<string | null>(null)
  const dbs = ref<DbCount[]>([])
  const databases = ref(16)
  const live = ref<{ live: boolean; reason?: string } | null>(null)
  const bulk = ref<BulkJob | null>(null)
  let scanStartedAt = 0
  let bumpScheduled = false
  let lastDrawAt = 0
  /** The newest batch's progress, shown with the next redraw. */
  let progress = { scanned: 0, total: 0 }
  let unsubscribe: (() => void)[] = []

  /**
   * Coalesces index changes into one redraw per frame, and while a scan streams in into one per
   * SCAN_REDRAW_MS (the first keys at once): redrawing the tree and the progress line every frame
   * cost the page about as much CPU as the rest of the scan, taken from the server's machine.
   */
  function bump() {
    if (bumpScheduled) return
    bumpScheduled = true
    const draw = () =>
      requestAnimationFrame(() => {
        bumpScheduled = false
        lastDrawAt = performance.now()
        scanned.value = progress.scanned
        total.value = progress.total
        version.value++
      })
    const wait = scanning.value ? lastDrawAt + SCAN_REDRAW_MS - performance.now() : 0
    if (wait > 0) setTimeout(draw, wait)
    else draw()
  }

  const rows = computed<RowView>(() => {
    void version.value
    return mode.value === 'tree'
      ? index.value.treeView(expanded.value, scanning.value)
      : index.value.listView(scanning.value)
  })

  /** Batches that arrive before scanStart's reply (told apart by id once it comes). */
  let early: Events['keys.scanBatch'][] = []

  function onBatch(b: Events['keys.scanBatch']) {
    if (scanning.value && scanId.value === null) {
      early.push(b)
      return
    }
    if (b.scanId !== scanId.value) return
    if (b.keys.length) {
      if (firstRowsMs.value === null)
        requestAnimationFrame(() => (firstRowsMs.value ??= Math.round(performance.now() - scanStartedAt)))
      index.value.add(b.keys)
    }
    progress = { scanned: b.scanned, total: b.total }
    if (b.done) {
      scanning.value = false
      scanMs.value = Math.round(performance.now() - scanStartedAt)
      if (b.error && b.error !== 'cancelled') scanError.value = b.error
      scanId.value = null
    }
    bump()
  }

  function onChanged(c: Events['keys.changed']) {
    if (c.conn !== conn.value || c.db !== db.value) return
    const removed: string[] = []
    const added: string[] = []
    for (const { key, event } of c.changes) {
      if (REMOVING_EVENTS.has(event)) removed.push(key)
      else if (
        !index.value.has(key) &&
        globMatch(pattern.value, key) &&
        (!type.value || EVENT_TYPE[event] === type.value)
      )
        added.push(key)
    }
    if (removed.length) index.value.remove(removed)
    if (added.length) index.value.add(added)
    if (removed.length || added.length) bump()
    if (selected.value && removed.includes(selected.value)) selected.value = null
  }

  function onBulk(p: Events['keys.bulkProgress']) {
    if (!bulk.value || p.jobId !== bulk.value.jobId) return
    bulk.value = { ...bulk.value, ...p }
    if (p.done) void refreshDbs()
  }

  async function open(connId: string, sep: string, startDb: number) {
    for (const u of unsubscribe) u()
    unsubscribe = [
      api().on('keys.scanBatch', onBatch),
      api().on('keys.changed', onChanged),
      api().on('keys.bulkProgress', onBulk),
    ]
    conn.value = connId
    separator.value = sep
    db.value = startDb
    selected.value = null
    // The scan starts at once; the server summary (db count, per-db key counts) fills in meanwhile.
    const summary = api().call('connections.open', { id: connId })
    await Promise.all([
      scan(),
      watch(),
      summary.then((s) => {
        databases.value = s.databases
        dbs.value = s.dbs
      }),
    ])
  }

  async function watch() {
    if (!conn.value) return
    live.value = await api().call('keys.watch', { conn: conn.value, db: db.value })
  }

  async function refreshDbs() {
    if (conn.value) dbs.value = await api().call('keys.dbs', { conn: conn.value })
  }

  async function scan() {
    if (!conn.value) return
    await cancelScan()
    index.value = markRaw(new KeyIndex(separator.value))
    expanded.value = markRaw(new Set())
    scanned.value = 0
    progress = { scanned: 0, total: 0 }
    lastDrawAt = 0
    scanError.value = null
    firstRowsMs.value = null
    scanMs.value = null
    scanning.value = true
    early = []
    scanStartedAt = performance.now()
    version.value++
    try {
      const r = await api().call('keys.scanStart', {
        conn: conn.value,
        db: db.value,
        pattern: pattern.value || '*',
        type: type.value ?? undefined,
      })
      total.value = progress.total = r.total
      scanId.value = r.scanId
      const raced = early
      early = []
      for (const b of raced) onBatch(b)
    } catch (e) {
      scanning.value = false
      scanError.value = (e as Error).message
    }
  }

  async function cancelScan() {
    if (scanId.value) await api().call('keys.scanCancel', { scanId: scanId.value })
    scanId.value = null
    scanning.value = false
    bump()
  }

  async function selectDb(n: number) {
    db.value = n
    selected.value = null
    await Promise.all([scan(), watch()])
  }

  function setFilter(p: string, t: RedisType | null) {
    pattern.value = p.trim() || '*'
    type.value = t
    return scan()
  }

  function toggle(path: string) {
    const next = new Set(expanded.value)
    if (next.has(path)) next.delete(path)
    else next.add(path)
    expanded.value = markRaw(next)
  }

  function setMode(m: ViewMode) {
    mode.value = m
  }

  function select(key: string | null) {
    selected.value = key
  }

  /** After a rename/delete/create done from this page (live updates may be off). */
  function keysRemoved(keys: string[]) {
    index.value.remove(keys)
    if (selected.value && keys.includes(selected.value)) selected.value = null
    bump()
    void refreshDbs()
  }

  function keyAdded(key: string) {
    index.value.add([key])
    for (const a of index.value.ancestors(key)) expanded.value.add(a)
    expanded.value = markRaw(new Set(expanded.value))
    bump()
    void refreshDbs()
  }

  async function deleteKeys(keys: string[]) {
    if (!conn.value) return 0
    const { deleted } = await api().call('keys.delete', { conn: conn.value, db: db.value, keys })
    keysRemoved(keys)
    return deleted
  }

  async function bulkDelete() {
    if (!conn.value) return
    const p = pattern.value || '*'
    const { jobId } = await api().call('keys.bulkDelete', {
      conn: conn.value,
      db: db.value,
      pattern: p,
      type: type.value ?? undefined,
    })
    bulk.value = { jobId, pattern: p, deleted: 0, scanned: 0, total: 0, done: false, cancelled: false }
  }

  async function cancelBulk() {
    if (bulk.value && !bulk.value.done) await api().call('keys.bulkCancel', { jobId: bulk.value.jobId })
  }

  function close() {
    for (const u of unsubscribe) u()
    unsubscribe = []
    void cancelScan()
    if (conn.value) void api().call('keys.unwatch', { conn: conn.value })
    conn.value = null
  }

  return {
    conn,
    db,
    pattern,
    type,
    mode,
    separator,
    index,
    version,
    rows,
    scanning,
    scanned,
    total,
    scanError,
    firstRowsMs,
    scanMs,
    expanded,
    selected,
    dbs,
    databases,
    live,
    bulk,
    open,
    scan,
    cancelScan,
    selectDb,
    setFilter,
    toggle,
    setMode,
    select,
    keysRemoved,
    keyAdded,
    deleteKeys,
    bulkDelete,
    cancelBulk,
    refreshDbs,
    close,
  }
})
