// The dashboard's data for one connection: the chosen time range's history from SQLite, then live
// points and timeline events from main's event stream. The series arrays are plain (not reactive):
// charts append to themselves through `onPoint`, so a 1 Hz tick costs one small chart update, not a
// re-render of everything. Also the persistence panel's live state, job outcomes and the audit log.

import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type {
  AuditEntry,
  Events,
  History,
  JobOutcome,
  LivePoint,
  LiveStatus,
  TimelineEvent,
} from '../../../main/api/contract'
import { api } from '../api/client'

export const RANGES = [
  { label: '5 min', ms: 5 * 60_000 },
  { label: '15 min', ms: 15 * 60_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '6 h', ms: 6 * 3_600_000 },
  { label: '24 h', ms: 24 * 3_600_000 },
  { label: '7 days', ms: 7 * 86_400_000 },
  { label: '30 days', ms: 30 * 86_400_000 },
  { label: '1 year', ms: 365 * 86_400_000 },
]

type PointListener = (p: LivePoint) => void

export const useMetricsStore = defineStore('metrics', () => {
  const conn = ref<string | null>(null)
  const rangeMs = ref(RANGES[0].ms)
  const history = shallowRef<History | null>(null)
  /** Bumped when `history` is replaced: charts rebuild from it then, and only then. */
  const generation = ref(0)
  const events = ref<TimelineEvent[]>([])
  const status = ref<LiveStatus | null>(null)
  const lastError = ref<string | null>(null)
  const loading = ref(false)
  const outcome = ref<JobOutcome | null>(null)
  const running = ref<JobOutcome['action'] | null>(null)
  const audit = ref<AuditEntry[]>([])
  const pointListeners = new Set<PointListener>()
  let started = false

  function start() {
    if (started) return
    started = true
    api().on('metrics.tick', (t: Events['metrics.tick']) => {
      if (t.conn !== conn.value) return
      lastError.value = t.error ?? null
      if (t.status) status.value = t.status
      if (t.point) for (const l of pointListeners) l(t.point)
    })
    api().on('metrics.event', (e) => {
      if (e.conn !== conn.value) return
      events.value = [...events.value, e]
    })
    api().on('persistence.outcome', (o) => {
      if (o.conn !== conn.value) return
      outcome.value = o
      running.value = null
      void loadAudit()
    })
  }

  async function open(id: string) {
    start()
    if (conn.value !== id) {
      conn.value = id
      status.value = null
      outcome.value = null
      events.value = []
    }
    await api().call('metrics.watch', { conn: id })
    await load()
  }

  async function load() {
    if (!conn.value) return
    loading.value = true
    try {
      const to = Date.now()
      const h = await api().call('metrics.history', { conn: conn.value, from: to - rangeMs.value, to })
      history.value = h
      events.value = h.events
      if (h.status) status.value = h.status
      generation.value++
    } finally {
      loading.value = false
    }
  }

  async function setRange(ms: number) {
    rangeMs.value = ms
    await load()
  }

  function onPoint(l: PointListener): () => void {
    pointListeners.add(l)
    return () => pointListeners.delete(l)
  }

  async function run(action: JobOutcome['action']) {
    if (!conn.value) return
    running.value = action
    try {
      const r = await api().call('persistence.run', { conn: conn.value, action })
      // SAVE and failures are final; a started BGSAVE/rewrite ends with a persistence.outcome event.
      if (action === 'save' || !r.ok) {
        outcome.value = r
        running.value = null
      }
      return r
    } catch (e) {
      running.value = null
      throw e
    } finally {
      void loadAudit()
    }
  }

  async function loadAudit() {
    if (!conn.value) return
    audit.value = await api().call('audit.list', { conn: conn.value, limit: 200 })
  }

  return {
    conn,
    rangeMs,
    history,
    generation,
    events,
    status,
    lastError,
    loading,
    outcome,
    running,
    audit,
    open,
    load,
    setRange,
    onPoint,
    run,
    loadAudit,
  }
})
