// What each dashboard chart shows: its series (a metric, scaled, on the left or right axis), the
// unit of each axis, and the colours of the timeline markers every time axis carries.

import type { EventKind, MetricName, TimelineEvent, Unit } from '../../../main/api/contract'

export type AxisUnit = Unit | 'percent'

export interface SeriesSpec {
  name: string
  metric: MetricName
  scale?: number
  axis?: 0 | 1
  dashed?: boolean
  area?: boolean
  color?: string
  /** Off in the legend at first (the user can switch it on). */
  hidden?: boolean
  /** 0 means "not set" (maxmemory): drawn as no line. */
  zeroIsNull?: boolean
}

export interface ChartSpec {
  id: string
  title: string
  axes: [AxisUnit] | [AxisUnit, AxisUnit]
  series: SeriesSpec[]
  /** One line per db from the keyspace counts. */
  dbKeys?: boolean
  /** BGSAVE / rewrite durations from the timeline, as points on the right axis. */
  durations?: boolean
}

export const CHARTS: ChartSpec[] = [
  {
    id: 'memory',
    title: 'Memory',
    axes: ['bytes'],
    series: [
      { name: 'used_memory', metric: 'mem_used', area: true, color: '#3b82f6' },
      { name: 'dataset', metric: 'mem_dataset', color: '#22c55e' },
      { name: 'peak', metric: 'mem_peak', dashed: true, color: '#a855f7' },
      { name: 'maxmemory', metric: 'maxmemory', dashed: true, color: '#ef4444', zeroIsNull: true },
    ],
  },
  {
    id: 'rss',
    title: 'RSS and fragmentation',
    axes: ['bytes', 'ratio'],
    series: [
      { name: 'RSS', metric: 'mem_rss', area: true, color: '#0ea5e9' },
      { name: 'fragmentation ratio', metric: 'frag', axis: 1, color: '#f59e0b' },
    ],
  },
  {
    id: 'evictions',
    title: 'Evictions and expiry',
    axes: ['keys/s'],
    series: [
      { name: 'evicted/s', metric: 'evicted', area: true, color: '#ef4444' },
      { name: 'expired/s', metric: 'expired', color: '#f59e0b' },
    ],
  },
  { id: 'keys', title: 'Keys per db', axes: ['count'], series: [], dbKeys: true },
  {
    id: 'hits',
    title: 'Hit ratio',
    axes: ['percent', 'ops/s'],
    series: [
      { name: 'hit ratio', metric: 'hit_ratio', scale: 100, color: '#22c55e' },
      { name: 'misses/s', metric: 'misses', axis: 1, dashed: true, color: '#ef4444', hidden: true },
    ],
  },
  {
    id: 'ops',
    title: 'Operations',
    axes: ['ops/s'],
    series: [{ name: 'ops/s', metric: 'ops', area: true, color: '#6366f1' }],
  },
  {
    id: 'clients',
    title: 'Clients',
    axes: ['count'],
    series: [
      { name: 'connected', metric: 'clients', color: '#0ea5e9' },
      { name: 'blocked', metric: 'blocked', color: '#ef4444' },
    ],
  },
  {
    id: 'network',
    title: 'Network',
    axes: ['bytes/s'],
    series: [
      { name: 'in', metric: 'net_in', color: '#22c55e' },
      { name: 'out', metric: 'net_out', color: '#3b82f6' },
    ],
  },
  {
    id: 'persistence',
    title: 'Persistence',
    axes: ['count', 'seconds'],
    series: [
      { name: 'changes since last save', metric: 'changes', area: true, color: '#f59e0b' },
      { name: 'last save age', metric: 'save_age', axis: 1, color: '#64748b' },
    ],
  },
  {
    id: 'aof',
    title: 'AOF size and job durations',
    axes: ['bytes', 'seconds'],
    series: [{ name: 'AOF size', metric: 'aof_size', area: true, color: '#14b8a6' }],
    durations: true,
  },
]

export const MARKER_COLORS: Partial<Record<EventKind, string>> = {
  'bgsave-start': '#3b82f6',
  'bgsave-end': '#3b82f6',
  save: '#3b82f6',
  'rewrite-start': '#14b8a6',
  'rewrite-end': '#14b8a6',
  restart: '#ef4444',
  'stats-reset': '#ef4444',
  config: '#a855f7',
  'evictions-start': '#f97316',
  'evictions-end': '#f97316',
  'aof-write': '#ef4444',
  unreachable: '#64748b',
  reachable: '#64748b',
}

/** The short marker label on the axis and the line the tooltip shows. */
export function markerText(e: TimelineEvent): { label: string; detail: string } {
  const d = e.detail
  const took = typeof d.durationSec === 'number' && d.durationSec >= 0 ? `, ${d.durationSec} s` : ''
  switch (e.kind) {
    case 'bgsave-start':
      return { label: 'BGSAVE', detail: 'BGSAVE started' }
    case 'bgsave-end':
      return { label: d.status === 'ok' ? 'saved' : 'save failed', detail: `BGSAVE ended: ${d.status}${took}` }
    case 'save':
      return { label: 'saved', detail: `RDB saved: ${d.status}${took}` }
    case 'rewrite-start':
      return { label: 'rewrite', detail: 'AOF rewrite started' }
    case 'rewrite-end':
      return { label: 'rewritten', detail: `AOF rewrite ended: ${d.status}${took}` }
    case 'restart':
      return { label: 'restart', detail: `Server restarted (run ${String(d.runId).slice(0, 8)})` }
    case 'stats-reset':
      return { label: 'reset', detail: 'Statistics reset (CONFIG RESETSTAT)' }
    case 'config':
      return { label: 'config', detail: `${d.param}: ${d.from} → ${d.to}` }
    case 'evictions-start':
      return { label: 'evicting', detail: `Evictions started (${d.perSec}/s)` }
    case 'evictions-end':
      return { label: 'evictions end', detail: `Evictions stopped: ${d.evicted} keys in ${d.seconds} s` }
    case 'aof-write':
      return { label: 'AOF write', detail: `AOF write status: ${d.status}` }
    case 'unreachable':
      return { label: 'down', detail: `Unreachable: ${d.error}` }
    case 'reachable':
      return { label: 'up', detail: 'Reachable again' }
  }
}
