// Validates and routes every API call: looks the method up in the contract, parses its arguments
// with the contract's zod schema, runs the handler and wraps the outcome in an Envelope. Both
// transports (Electron IPC and the web host's WebSocket) go through `dispatch` and nothing else.

import { methods, type Envelope, type MethodName, type ParsedArgs, type Results } from './contract.js'

export type Handlers = { [M in MethodName]: (args: ParsedArgs<M>) => Promise<Results[M]> | Results[M] }

/** A failure whose message is meant for the user (unreachable server, wrong password…). */
export class UserError extends Error {}

export function createDispatcher(handlers: Handlers, log: (line: string) => void = () => {}) {
  return async function dispatch(method: unknown, rawArgs: unknown): Promise<Envelope> {
    if (typeof method !== 'string' || !Object.hasOwn(methods, method)) {
      return { ok: false, error: { code: 'unknown-method', message: `Unknown method ${String(method)}` } }
    }
    const name = method as MethodName
    const parsed = methods[name].safeParse(rawArgs ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue.path.length ? ` at ${issue.path.join('.')}` : ''
      return {
        ok: false,
        error: { code: 'invalid', message: `Invalid arguments for ${name}${where}: ${issue.message}` },
      }
    }
    try {
      const handler = handlers[name] as (a: unknown) => unknown
      return { ok: true, result: await handler(parsed.data) }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      // Unexpected failures are logged by method name only: arguments may hold secrets.
      if (!(e instanceof UserError)) log(`${name} failed: ${message}`)
      return { ok: false, error: { code: 'failed', message } }
    }
  }
}

export type Dispatch = ReturnType<typeof createDispatcher>
