import { describe, expect, it } from 'vitest'
import { createDispatcher, UserError, type Handlers } from './dispatcher.js'

const calls: unknown[] = []
const handlers = {
  'keys.ttl': (a: unknown) => {
    calls.push(a)
    return { ok: 1 }
  },
  'connections.remove': () => {
    throw new UserError('The embedded engine cannot be removed')
  },
  'connections.list': () => {
    throw new Error('disk on fire')
  },
} as unknown as Handlers

describe('dispatcher', () => {
  const logged: string[] = []
  const dispatch = createDispatcher(handlers, (l) => logged.push(l))

  it('refuses methods outside the contract', async () => {
    expect(await dispatch('shell.exec', {})).toEqual({
      ok: false,
      error: { code: 'unknown-method', message: 'Unknown method shell.exec' },
    })
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
  })

  it('validates arguments with the contract schema before the handler runs', async () => {
    calls.length = 0
    const r = await dispatch('keys.ttl', { conn: 'c', db: 0, key: 'k', ttlMs: 0 })
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid' } })
    expect((r as { error: { message: string } }).error.message).toMatch(/at ttlMs/)
    expect(calls).toEqual([])
    expect(await dispatch('keys.ttl', { conn: 'c', db: 0, key: 'k', ttlMs: 5 })).toEqual({
      ok: true,
      result: { ok: 1 },
    })
    expect(calls).toEqual([{ conn: 'c', db: 0, key: 'k', ttlMs: 5 }])
  })

  it('returns failures as envelopes and logs only unexpected ones, without arguments', async () => {
    logged.length = 0
    expect(await dispatch('connections.remove', { id: 'embedded' })).toEqual({
      ok: false,
      error: { code: 'failed', message: 'The embedded engine cannot be removed' },
    })
    expect(await dispatch('connections.list', {})).toMatchObject({ ok: false, error: { message: 'disk on fire' } })
    expect(logged).toEqual(['connections.list failed: disk on fire'])
  })
})
