// A scriptable StrataApi for store and component tests: handlers per method, recorded calls, and
// `emit` to push events as main would.

import type { EventName, Events, MethodArgs, MethodName, Results, StrataApi } from '../../../main/api/contract'

type Handler<M extends MethodName> = (args: MethodArgs<M>) => Results[M] | Promise<Results[M]>

export function fakeApi(handlers: { [M in MethodName]?: Handler<M> }) {
  const calls: { method: MethodName; args: unknown }[] = []
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const api: StrataApi = {
    async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Results[M]> {
      calls.push({ method, args })
      const h = handlers[method] as Handler<M> | undefined
      if (!h) throw new Error(`fake api: no handler for ${method}`)
      return h(args)
    },
    on<E extends EventName>(event: E, listener: (p: Events[E]) => void) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as (p: unknown) => void)
      return () => void set.delete(listener as (p: unknown) => void)
    },
  }
  return {
    api,
    calls,
    emit<E extends EventName>(event: E, payload: Events[E]) {
      for (const l of listeners.get(event) ?? []) l(payload)
    },
  }
}
