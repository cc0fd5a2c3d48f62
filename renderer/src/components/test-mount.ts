// Mounts a component inside the naive-ui providers it needs (dialogs, messages), with Pinia.

import { defineComponent, h, type Component } from 'vue'
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { NDialogProvider, NMessageProvider } from 'naive-ui'

export function mountWithProviders(component: Component, props: Record<string, unknown> = {}) {
  const Host = defineComponent({
    setup: () => () => h(NMessageProvider, () => h(NDialogProvider, () => h(component, props))),
  })
  return mount(Host, { global: { plugins: [createPinia()] }, attachTo: document.body })
}
