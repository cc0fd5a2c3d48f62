// Renderer entry: Vue app with Pinia and hash routing (works from file:// in Electron and from
// the web host alike).

import { createApp } from 'vue'
import { createPinia } from 'pinia'
import { createRouter, createWebHashHistory } from 'vue-router'
import App from './App.vue'
import ConnectionsView from './views/ConnectionsView.vue'
import WorkspaceView from './views/WorkspaceView.vue'
import BackupsView from './views/BackupsView.vue'
import RestoreView from './views/RestoreView.vue'
import InspectView from './views/InspectView.vue'

const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', component: ConnectionsView },
    { path: '/c/:id/:tab(browser|cli|metrics|persistence)', component: WorkspaceView, props: true },
    { path: '/backups', component: BackupsView },
    { path: '/restore', component: RestoreView },
    { path: '/inspect', component: InspectView },
  ],
})

createApp(App).use(createPinia()).use(router).mount('#app')
