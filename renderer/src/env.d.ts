/// <reference types="vite/client" />
import type { StrataBridge } from '../../main/api/contract'

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

declare global {
  interface Window {
    /** Present in Electron (the preload); absent in a browser, where the WebSocket bridge is used. */
    strata?: StrataBridge
  }
}
