// App-wide state: theme, app info (transport, secret storage), the embedded engine's status and
// notices pushed by main.

import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { EngineStatus, Events, Results } from '../../../main/api/contract'
import { api } from '../api/client'

export type Theme = 'dark' | 'light'

export const useAppStore = defineStore('app', () => {
  const theme = ref<Theme>((localStorage.getItem('strata.theme') as Theme | null) ?? 'dark')
  const info = ref<Results['app.info'] | null>(null)
  const engine = ref<EngineStatus | null>(null)
  const notices = ref<(Events['notice'] & { at: number })[]>([])
  let started = false

  function setTheme(t: Theme) {
    theme.value = t
    localStorage.setItem('strata.theme', t)
  }

  async function init() {
    if (started) return
    started = true
    api().on('engine.status', (s) => (engine.value = s))
    api().on('notice', (n) => notices.value.push({ ...n, at: Date.now() }))
    ;[info.value, engine.value] = await Promise.all([api().call('app.info', {}), api().call('engine.status', {})])
  }

  async function restartEngine() {
    engine.value = await api().call('engine.restart', {})
  }

  return { theme, info, engine, notices, setTheme, init, restartEngine }
})
