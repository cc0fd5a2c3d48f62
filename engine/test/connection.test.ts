import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RawClient, ReplyError, startServer, type TestServer } from './helpers.js'

let t: TestServer
beforeAll(async () => {
  t = await startServer()
})
afterAll(async () => {
  await t.close()
})

describe('connection commands', () => {
  it('answers PING, ECHO and inline commands', async () => {
    const c = await RawClient.connect(t.port)
    expect(await c.call('PING')).toBe('PONG')
    expect(await c.call('PING', 'hi')).toBe('hi')
    expect(await c.call('ECHO', 'a\r\nb')).toBe('a\r\nb')
    c.writeRaw('PING\r\n')
    expect(await c.next()).toBe('PONG')
    c.writeRaw('ECHO "quoted \\x41 arg"\n')
    expect(await c.next()).toBe('quoted A arg')
    c.close()
  })

  it('rejects unknown commands and wrong arity with Redis texts', async () => {
    const c = await RawClient.connect(t.port)
    expect(await c.call('NOPE', 'a', 'b')).toEqual(
      new ReplyError("ERR unknown command 'NOPE', with args beginning with: 'a' 'b' "),
    )
    expect(await c.call('GET')).toEqual(new ReplyError("ERR wrong number of arguments for 'get' command"))
    expect(await c.call('CLIENT', 'NOPE')).toEqual(new ReplyError("ERR unknown subcommand 'NOPE'. Try CLIENT HELP."))
    c.close()
  })

  it('negotiates RESP3 with HELLO and reports NOPROTO for other versions', async () => {
    const c = await RawClient.connect(t.port)
    const r = (await c.call('HELLO', '3')) as Map<string, unknown>
    expect(r).toBeInstanceOf(Map)
    expect(r.get('proto')).toBe(3)
    expect(r.get('server')).toBe('redis')
    expect(await c.call('GET', 'missing')).toBe(null)
    expect(await c.call('HELLO', '4')).toEqual(new ReplyError('NOPROTO unsupported protocol version'))
    c.close()
  })

  it('closes the client on protocol errors after replying', async () => {
    const c = await RawClient.connect(t.port)
    c.writeRaw('*1\r\n+PING\r\n')
    expect(await c.next()).toEqual(new ReplyError("ERR Protocol error: expected '$', got '+'"))
    await c.waitClose()
    const d = await RawClient.connect(t.port)
    d.writeRaw('*2\r\n$999999999999\r\n')
    expect(await d.next()).toEqual(new ReplyError('ERR Protocol error: invalid bulk length'))
    await d.waitClose()
    const e = await RawClient.connect(t.port)
    e.writeRaw('ECHO "unbalanced\r\n')
    expect(await e.next()).toEqual(new ReplyError('ERR Protocol error: unbalanced quotes in request'))
    await e.waitClose()
  })
})

describe('requirepass', () => {
  it('requires AUTH and accepts HELLO AUTH', async () => {
    const s = await startServer(['--requirepass', 's3cret'])
    try {
      const c = await RawClient.connect(s.port)
      expect(await c.call('GET', 'x')).toEqual(new ReplyError('NOAUTH Authentication required.'))
      expect(await c.call('AUTH', 'wrong')).toEqual(
        new ReplyError('WRONGPASS invalid username-password pair or user is disabled.'),
      )
      expect(await c.call('AUTH', 's3cret')).toBe('OK')
      expect(await c.call('GET', 'x')).toBe(null)
      const d = await RawClient.connect(s.port)
      const hello = (await d.call('HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'me')) as Map<string, unknown>
      expect(hello.get('proto')).toBe(3)
      expect(await d.call('CLIENT', 'GETNAME')).toBe('me')
      c.close()
      d.close()
    } finally {
      await s.close()
    }
  })
})

describe('SELECT', () => {
  it('switches databases with Redis range errors', async () => {
    const c = await RawClient.connect(t.port)
    expect(await c.call('SELECT', '3')).toBe('OK')
    expect(await c.call('SET', 'in3', 'x')).toBe('OK')
    expect(await c.call('SELECT', '0')).toBe('OK')
    expect(await c.call('GET', 'in3')).toBe(null)
    expect(await c.call('SELECT', '16')).toEqual(new ReplyError('ERR DB index is out of range'))
    expect(await c.call('SELECT', '-1')).toEqual(new ReplyError('ERR DB index is out of range'))
    expect(await c.call('SELECT', '99999999999')).toEqual(
      new ReplyError('ERR value is out of range, value must between -2147483648 and 2147483647'),
    )
    expect(await c.call('SELECT', 'x')).toEqual(new ReplyError('ERR value is not an integer or out of range'))
    c.close()
  })
})

describe('protocol garbage', () => {
  it('survives random bytes and truncated frames on many connections', async () => {
    let seed = 7
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      return seed % n
    }
    const pieces = [
      '*',
      '$',
      '\r\n',
      '-1',
      '3',
      '99999999999999999999',
      'SET',
      'GET',
      '"',
      "'",
      '\\x',
      '\0',
      ' ',
      ':',
      '+',
    ]
    for (let i = 0; i < 100; i++) {
      const c = await RawClient.connect(t.port)
      let junk = ''
      for (let j = 0; j < 1 + rand(30); j++)
        junk += rand(3) === 0 ? String.fromCharCode(rand(256)) : pieces[rand(pieces.length)]
      c.writeRaw(junk)
      await new Promise((r) => setTimeout(r, 2))
      c.close()
    }
    const ok = await RawClient.connect(t.port)
    expect(await ok.call('PING')).toBe('PONG')
    expect(await ok.call('SET', 'after-garbage', 'ok')).toBe('OK')
    ok.close()
  })
})
