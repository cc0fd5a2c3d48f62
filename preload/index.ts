// The preload: exposes exactly the StrataApi contract on window.strata — `call` for the contract's
// methods and `on` for its events, refusing any other name — over two IPC channels.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { eventNames, methodNames, type EventName, type MethodName, type StrataBridge } from '../main/api/contract'

const bridge: StrataBridge = {
  call(method: MethodName, args: unknown) {
    if (!methodNames.includes(method)) return Promise.reject(new Error(`Unknown method ${String(method)}`))
    return ipcRenderer.invoke('strata:call', method, args)
  },
  on(event: EventName, listener: (payload: unknown) => void) {
    if (!eventNames.includes(event)) throw new Error(`Unknown event ${String(event)}`)
    const l = (_e: IpcRendererEvent, name: string, payload: unknown) => name === event && listener(payload)
    ipcRenderer.on('strata:event', l)
    return () => void ipcRenderer.removeListener('strata:event', l)
  },
}

contextBridge.exposeInMainWorld('strata', bridge)
