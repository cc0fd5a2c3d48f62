// Formatting of metric values with their units, for chart axes and tooltips.

import type { Unit } from '../../../main/api/contract'

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = Math.abs(n)
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  const s = i === 0 ? String(Math.round(v)) : v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)
  return `${n < 0 ? '-' : ''}${s} ${units[i]}`
}

export function formatCount(n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(Math.abs(n) >= 1e7 ? 0 : 1)}M`
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(0)}k`
  return Number.isInteger(n) ? String(n) : n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2)
}

export function formatDuration(sec: number): string {
  if (sec < 60) return `${Math.round(sec)} s`
  if (sec < 3600) return `${Math.floor(sec / 60)} min ${Math.round(sec % 60)} s`
  if (sec < 86400) return `${Math.floor(sec / 3600)} h ${Math.round((sec % 3600) / 60)} min`
  return `${Math.floor(sec / 86400)} d ${Math.round((sec % 86400) / 3600)} h`
}

/** A value with its unit, as tooltips and axis labels show it. */
export function formatValue(v: number | null | undefined, unit: Unit | 'percent'): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–'
  switch (unit) {
    case 'bytes':
      return formatBytes(v)
    case 'bytes/s':
      return `${formatBytes(v)}/s`
    case 'ops/s':
    case 'keys/s':
      return `${formatCount(v)}/s`
    case 'seconds':
      return formatDuration(v)
    case 'percent':
      return `${v.toFixed(v >= 99.95 || v === 0 ? 0 : 1)} %`
    case 'ratio':
      return v.toFixed(2)
    default:
      return formatCount(v)
  }
}
