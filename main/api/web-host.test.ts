// The web host's HTTP side (static files, CSP, traversal) and its WebSocket API (token, origin,
// calls through dispatch, events from the hub).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EventHub } from './events.js'
import { startWebHost, type WebHost } from './web-host.js'

function get(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    // Raw paths (no URL normalisation) so traversal attempts reach the server as typed.
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('web host', () => {
  let dir: string
  let host: WebHost
  const hub = new EventHub()
  const seen: unknown[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-web-'))
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>')
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
    writeFileSync(join(tmpdir(), 'strata-web-secret.txt'), 'secret')
    host = await startWebHost({
      port: 0,
      rendererDir: dir,
      hub,
      dispatch: async (method, args) => {
        seen.push([method, args])
        return { ok: true, result: { echo: args } }
      },
    })
  })

  afterAll(async () => {
    await host.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('prints a 127.0.0.1 URL with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/)
  })

  it('serves the renderer with a strict CSP and refuses anything outside it', async () => {
    const index = await get(host.port, '/')
    expect(index.status).toBe(200)
    expect(index.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self'/)
    expect((await get(host.port, '/assets/app.js')).headers['content-type']).toMatch(/javascript/)
    expect((await get(host.port, '/some/route')).body).toContain('<title>x</title>')
    expect((await get(host.port, '/missing.js')).status).toBe(404)
    for (const path of [
      '/../strata-web-secret.txt',
      '/%2e%2e/strata-web-secret.txt',
      '/assets/..%2F..%2Fstrata-web-secret.txt',
    ]) {
      const r = await get(host.port, path)
      expect([403, 404]).toContain(r.status)
      expect(r.body).not.toContain('secret')
    }
    expect((await get(host.port, '/%E0%A4%A')).status).toBe(400)
  })

  it('accepts the API socket only with the token and from its own origin', async () => {
    const open = (token: string, origin: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api?token=${token}`, { origin })
        ws.once('open', () => resolve(ws))
        ws.once('unexpected-response', (_q, res) => reject(new Error(String(res.statusCode))))
        ws.once('error', reject)
      })
    const origin = `http://127.0.0.1:${host.port}`
    await expect(open('nope', origin)).rejects.toThrow('403')
    await expect(open(host.token, 'http://attacker.example')).rejects.toThrow('403')
    const ws = await open(host.token, origin)
    const messages: unknown[] = []
    ws.on('message', (d) => messages.push(JSON.parse(String(d))))
    ws.send(JSON.stringify({ id: 7, method: 'keys.info', args: { a: 1 } }))
    hub.emit('notice', { level: 'info', title: 'Test', message: 'hello' })
    await new Promise((r) => setTimeout(r, 200))
    expect(seen).toEqual([['keys.info', { a: 1 }]])
    expect(messages).toContainEqual({ id: 7, ok: true, result: { echo: { a: 1 } } })
    expect(messages).toContainEqual({ event: 'notice', payload: { level: 'info', title: 'Test', message: 'hello' } })
    ws.close()
  })
})
