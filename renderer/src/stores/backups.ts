// Backups: targets, schedules, the catalog and the progress of running backups (from
// `backups.progress` events), refreshed whenever main reports `backups.changed`.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import type {
  BackupEntry,
  BackupSchedule,
  BackupTarget,
  Events,
  RestoreRecord,
  ScheduleInput,
  TargetInput,
} from '../../../main/api/contract'
import { api } from '../api/client'

export type Progress = Events['backups.progress']

export const useBackupsStore = defineStore('backups', () => {
  const targets = ref<BackupTarget[]>([])
  const schedules = ref<BackupSchedule[]>([])
  const entries = ref<BackupEntry[]>([])
  const restores = ref<RestoreRecord[]>([])
  /** Running (and just finished) backups by backup id. */
  const running = ref<Record<string, Progress>>({})
  let started = false

  async function refresh() {
    ;[targets.value, schedules.value, entries.value, restores.value] = await Promise.all([
      api().call('backups.targets', {}),
      api().call('backups.schedules', {}),
      api().call('backups.list', {}),
      api().call('restore.history', {}),
    ])
  }

  function init() {
    if (started) return refresh()
    started = true
    api().on('backups.progress', (p) => {
      running.value = { ...running.value, [p.backup]: p }
      if (p.done)
        setTimeout(() => {
          const { [p.backup]: _gone, ...rest } = running.value
          void _gone
          running.value = rest
        }, 3000)
    })
    api().on('backups.changed', () => void refresh())
    return refresh()
  }

  async function saveTarget(t: TargetInput) {
    const saved = await api().call('backups.saveTarget', t)
    await refresh()
    return saved
  }

  const testTarget = (t: TargetInput) => api().call('backups.testTarget', t)

  async function removeTarget(id: string) {
    await api().call('backups.removeTarget', { id })
    await refresh()
  }

  async function saveSchedule(s: ScheduleInput) {
    const saved = await api().call('backups.saveSchedule', s)
    await refresh()
    return saved
  }

  async function removeSchedule(id: string) {
    await api().call('backups.removeSchedule', { id })
    await refresh()
  }

  const runNow = (conn: string, target: string) => api().call('backups.run', { conn, target })
  const cancel = (jobId: string) => api().call('backups.cancel', { jobId })

  async function remove(id: string) {
    await api().call('backups.delete', { id })
    await refresh()
  }

  async function rebuild(target: string) {
    const r = await api().call('backups.rebuild', { target })
    await refresh()
    return r
  }

  const targetName = (id: string) =>
    id === 'safety' ? 'safety backups' : (targets.value.find((t) => t.id === id)?.name ?? id)

  return {
    targets,
    schedules,
    entries,
    restores,
    running,
    init,
    refresh,
    saveTarget,
    testTarget,
    removeTarget,
    saveSchedule,
    removeSchedule,
    runNow,
    cancel,
    remove,
    rebuild,
    targetName,
  }
})
