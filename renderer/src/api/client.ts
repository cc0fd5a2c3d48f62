// The renderer's typed API: wraps whichever bridge is present (the preload's window.strata in
// Electron, the WebSocket bridge in a browser) and turns error envelopes into ApiError. Stores use
// this; no component knows the transport.

import type {
  EventName,
  Events,
  MethodArgs,
  MethodName,
  Results,
  StrataApi,
  StrataBridge,
  WireError,
} from '../../../main/api/contract'
import { createWsBridge } from './ws-bridge'

export class ApiError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message)
  }
}

export function createApi(bridge: StrataBridge): StrataApi {
  return {
    async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Results[M]> {
      const env = await bridge.call(method, args)
      if (!env.ok) throw new ApiError(env.error)
      return env.result as Results[M]
    },
    on<E extends EventName>(event: E, listener: (p: Events[E]) => void) {
      return bridge.on(event, listener as (p: unknown) => void)
    },
  }
}

let instance: StrataApi | null = null

export function api(): StrataApi {
  instance ??= createApi(window.strata ?? createWsBridge(window.location.href))
  return instance
}

/** Tests inject a fake bridge. */
export function setApi(a: StrataApi): void {
  instance = a
}
