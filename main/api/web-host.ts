// The web host: serves the built renderer and the same API handlers over a WebSocket on 127.0.0.1.
// A per-launch random token (in the page URL, passed on the socket URL) gates the socket, and the
// Origin must be this host, so other pages in the browser can't drive the API.

import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Dispatch } from './dispatcher.js'
import type { EventHub } from './events.js'

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self' ws://127.0.0.1:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
}

export interface WebHostOptions {
  port: number
  rendererDir: string
  dispatch: Dispatch
  hub: EventHub
  token?: string
}

export interface WebHost {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

function tokenMatches(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(new URL(req.url ?? '/', 'http://x').searchParams.get('token') ?? '')
  const want = Buffer.from(token)
  return given.length === want.length && timingSafeEqual(given, want)
}

export async function startWebHost(o: WebHostOptions): Promise<WebHost> {
  const token = o.token ?? randomBytes(24).toString('base64url')
  const root = normalize(o.rendererDir)
  let origin = ''

  const http: Server = createServer((req, res) => {
    let path: string
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      res.writeHead(400).end('Bad request')
      return
    }
    let file = normalize(join(root, path === '/' ? 'index.html' : path))
    if (!file.startsWith(root + sep)) {
      res.writeHead(403).end()
      return
    }
    let size: number
    try {
      const st = statSync(file)
      if (st.isDirectory()) throw new Error('dir')
      size = st.size
    } catch {
      // Hash routing means only index.html is a page; anything else missing is a 404.
      if (extname(file)) {
        res.writeHead(404).end('Not found')
        return
      }
      file = join(root, 'index.html')
      size = statSync(file).size
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': size,
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    })
    createReadStream(file).pipe(res)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 << 20 })
  http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path !== '/api' || !tokenMatches(req, token) || (req.headers.origin && req.headers.origin !== origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws))
  })

  const serve = (ws: WebSocket) => {
    const unsubscribe = o.hub.subscribe((event, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }))
    })
    ws.on('close', unsubscribe)
    ws.on('message', async (data) => {
      let msg: { id?: unknown; method?: unknown; args?: unknown }
      try {
        msg = JSON.parse(String(data))
      } catch {
        ws.close(1003, 'bad message')
        return
      }
      const reply = await o.dispatch(msg.method, msg.args)
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, ...reply }))
    })
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(o.port, '127.0.0.1', () => resolve())
  })
  const port = (http.address() as { port: number }).port
  origin = `http://127.0.0.1:${port}`
  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        http.close(() => resolve())
        http.closeAllConnections()
      }),
  }
}
