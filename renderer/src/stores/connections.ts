// Connection profiles (the embedded engine first) and what the open ones reported.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ConnectionInfo, ProfileInput, ServerSummary } from '../../../main/api/contract'
import { api } from '../api/client'

export const useConnectionsStore = defineStore('connections', () => {
  const list = ref<ConnectionInfo[]>([])
  const summaries = ref<Record<string, ServerSummary>>({})
  const loading = ref(false)

  async function refresh() {
    loading.value = true
    try {
      list.value = await api().call('connections.list', {})
    } finally {
      loading.value = false
    }
  }

  async function save(p: ProfileInput) {
    const saved = await api().call('connections.save', p)
    await refresh()
    return saved
  }

  async function remove(id: string) {
    await api().call('connections.remove', { id })
    delete summaries.value[id]
    await refresh()
  }

  const test = (p: ProfileInput) => api().call('connections.test', p)

  async function open(id: string) {
    const s = await api().call('connections.open', { id })
    summaries.value[id] = s
    return s
  }

  const byId = (id: string) => list.value.find((c) => c.id === id)

  return { list, summaries, loading, refresh, save, remove, test, open, byId }
})
