// Expiry over real TCP: EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT with NX|XX|GT|LT, TTL/PTTL/EXPIRETIME/
// PEXPIRETIME, PERSIST, their notifications and propagation, lazy expiry, and the active expire
// cycle removing keys nobody touches.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RawClient, ReplyError, encodeCommand, sleep, startServer, type TestServer } from './helpers.js'

let t: TestServer
let c: RawClient
const events: string[] = []
const propagated: string[][] = []

beforeAll(async () => {
  t = await startServer(['--notify-keyspace-events', 'KEA'])
  t.srv.hooks.notify.push((cls, event, key, db) => events.push(`${cls}:${event}:${key}@${db}`))
  t.srv.hooks.propagate.push((_db, argv) => propagated.push(argv))
  c = await RawClient.connect(t.port)
})
afterAll(async () => {
  c.close()
  await t.close()
})
beforeEach(async () => {
  await c.call('FLUSHALL')
  events.length = 0
  propagated.length = 0
})

const err = (m: string): ReplyError => new ReplyError(m)

async function infoField(name: string): Promise<number> {
  const info = (await c.call('INFO', 'stats')) as string
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info)
  if (!m) throw new Error(`INFO has no ${name}`)
  return Number(m[1])
}

describe('setting a TTL', () => {
  it('never bases a deadline on a time before the command was sent (the clock read when its bytes arrive)', async () => {
    // The engine advances command time from the monotonic clock; its offset from a floored
    // Date.now() once put deadlines up to 1 ms early, at millisecond boundaries only: many tries.
    for (let i = 0; i < 2000; i++) {
      const before = Date.now()
      await c.call('SET', 'race', 'v', 'PX', '100000')
      const at = (await c.call('PEXPIRETIME', 'race')) as number
      if (at < before + 100000) expect.fail(`try ${i}: deadline ${at} is before ${before} + 100000`)
      const after = Date.now()
      if (at > after + 100000) expect.fail(`try ${i}: deadline ${at} is after ${after} + 100000`)
    }
    await c.call('DEL', 'race')
  })

  it('EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT set absolute deadlines', async () => {
    await c.call('SET', 'k', 'v')
    const before = Date.now()
    expect(await c.call('EXPIRE', 'k', '100')).toBe(1)
    expect(await c.call('TTL', 'k')).toBe(100)
    const pttl = (await c.call('PTTL', 'k')) as number
    expect(pttl).toBeGreaterThan(99000)
    expect(pttl).toBeLessThanOrEqual(100000)
    const at = (await c.call('PEXPIRETIME', 'k')) as number
    expect(at).toBeGreaterThanOrEqual(before + 100000)
    expect(at).toBeLessThanOrEqual(Date.now() + 100000)
    expect(await c.call('EXPIRETIME', 'k')).toBe(Math.floor((at + 500) / 1000))
    expect(await c.call('PEXPIRE', 'k', '5000')).toBe(1)
    expect(await c.call('TTL', 'k')).toBe(5)
    const future = Math.floor(Date.now() / 1000) + 1000
    expect(await c.call('EXPIREAT', 'k', String(future))).toBe(1)
    expect(await c.call('EXPIRETIME', 'k')).toBe(future)
    expect(await c.call('PEXPIREAT', 'k', String(future * 1000 + 7))).toBe(1)
    expect(await c.call('PEXPIRETIME', 'k')).toBe(future * 1000 + 7)
    expect(await c.call('EXPIRE', 'missing', '10')).toBe(0)
    expect(events.filter((e) => e.includes('expire'))).toEqual(Array(4).fill('g:expire:k@0'))
  })

  it('propagates as PEXPIREAT with the absolute time, options kept', async () => {
    await c.call('SET', 'k', 'v')
    await c.call('expire', 'k', '100', 'nx')
    const [cmd, key, when, opt] = propagated.at(-1) as string[]
    expect([cmd, key, opt]).toEqual(['PEXPIREAT', 'k', 'nx'])
    expect(Number(when)).toBe(await c.call('PEXPIRETIME', 'k'))
    await c.call('pexpireat', 'k', '99999999999999')
    expect(propagated.at(-1)).toEqual(['pexpireat', 'k', '99999999999999'])
    // An option that stops the change propagates nothing.
    const n = propagated.length
    expect(await c.call('EXPIRE', 'k', '1', 'GT')).toBe(0)
    expect(propagated.length).toBe(n)
  })

  it('NX, XX, GT and LT compare with the current TTL (none counts as infinite)', async () => {
    await c.call('SET', 'k', 'v')
    expect(await c.call('EXPIRE', 'k', '100', 'XX')).toBe(0)
    expect(await c.call('EXPIRE', 'k', '100', 'GT')).toBe(0)
    expect(await c.call('EXPIRE', 'k', '100', 'LT')).toBe(1)
    expect(await c.call('EXPIRE', 'k', '200', 'NX')).toBe(0)
    expect(await c.call('EXPIRE', 'k', '200', 'XX')).toBe(1)
    expect(await c.call('EXPIRE', 'k', '150', 'GT')).toBe(0)
    expect(await c.call('EXPIRE', 'k', '300', 'gt')).toBe(1)
    expect(await c.call('EXPIRE', 'k', '400', 'LT')).toBe(0)
    expect(await c.call('EXPIRE', 'k', '250', 'XX', 'LT')).toBe(1)
    expect(await c.call('TTL', 'k')).toBe(250)
    await c.call('PERSIST', 'k')
    expect(await c.call('EXPIRE', 'k', '50', 'NX')).toBe(1)
  })

  it('rejects bad options and out-of-range times with Redis texts', async () => {
    await c.call('SET', 'k', 'v')
    expect(await c.call('EXPIRE', 'k', '10', 'NX', 'XX')).toEqual(
      err('ERR NX and XX, GT or LT options at the same time are not compatible'),
    )
    expect(await c.call('EXPIRE', 'k', '10', 'NX', 'GT')).toEqual(
      err('ERR NX and XX, GT or LT options at the same time are not compatible'),
    )
    expect(await c.call('EXPIRE', 'k', '10', 'GT', 'LT')).toEqual(
      err('ERR GT and LT options at the same time are not compatible'),
    )
    expect(await c.call('EXPIRE', 'k', '10', 'Bogus')).toEqual(err('ERR Unsupported option Bogus'))
    expect(await c.call('EXPIRE', 'k', 'ten')).toEqual(err('ERR value is not an integer or out of range'))
    expect(await c.call('EXPIRE', 'k', '1.5')).toEqual(err('ERR value is not an integer or out of range'))
    expect(await c.call('EXPIRE', 'k', '9223372036854775')).toEqual(err("ERR invalid expire time in 'expire' command"))
    expect(await c.call('EXPIREAT', 'k', '-9223372036854776')).toEqual(
      err("ERR invalid expire time in 'expireat' command"),
    )
    expect(await c.call('PEXPIRE', 'k', '9223372036854775807')).toEqual(
      err("ERR invalid expire time in 'pexpire' command"),
    )
    expect(await c.call('EXPIRE', 'k')).toEqual(err("ERR wrong number of arguments for 'expire' command"))
    expect(await c.call('TTL', 'k')).toBe(-1)
  })

  it('a time not in the future deletes the key, notifies del and propagates DEL', async () => {
    for (const [cmd, arg] of [
      ['EXPIRE', '-1'],
      ['PEXPIRE', '0'],
      ['EXPIREAT', '1'],
      ['PEXPIREAT', String(Date.now() - 1000)],
    ]) {
      await c.call('SET', 'k', 'v')
      events.length = 0
      propagated.length = 0
      expect(await c.call(cmd, 'k', arg)).toBe(1)
      expect(await c.call('EXISTS', 'k')).toBe(0)
      expect(events).toEqual(['g:del:k@0'])
      expect(propagated).toEqual([['DEL', 'k']])
    }
    await c.call('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes')
    try {
      await c.call('SET', 'k', 'v')
      await c.call('EXPIRE', 'k', '-100')
      expect(propagated.at(-1)).toEqual(['UNLINK', 'k'])
    } finally {
      await c.call('CONFIG', 'SET', 'lazyfree-lazy-expire', 'no')
    }
    // Negative TTL with a key missing changes nothing.
    expect(await c.call('EXPIRE', 'missing', '-1')).toBe(0)
  })
})

describe('reading and removing a TTL', () => {
  it('TTL family: -2 without key, -1 without TTL, rounding as Redis', async () => {
    for (const cmd of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) {
      expect(await c.call(cmd, 'missing')).toBe(-2)
    }
    await c.call('SET', 'k', 'v')
    for (const cmd of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) expect(await c.call(cmd, 'k')).toBe(-1)
    // Seconds are rounded to the nearest: about 1.4 s left is 1, about 1.9 s left is 2.
    await c.call('PEXPIRE', 'k', '1400')
    expect(await c.call('TTL', 'k')).toBe(1)
    await c.call('PEXPIRE', 'k', '1900')
    expect(await c.call('TTL', 'k')).toBe(2)
  })

  it('PERSIST removes a TTL once and notifies persist', async () => {
    await c.call('SET', 'k', 'v')
    expect(await c.call('PERSIST', 'k')).toBe(0)
    await c.call('EXPIRE', 'k', '100')
    events.length = 0
    expect(await c.call('PERSIST', 'k')).toBe(1)
    expect(await c.call('PERSIST', 'k')).toBe(0)
    expect(await c.call('PERSIST', 'missing')).toBe(0)
    expect(await c.call('TTL', 'k')).toBe(-1)
    expect(events).toEqual(['g:persist:k@0'])
  })
})

describe('expiry', () => {
  it('lazily deletes an expired key on access: expired event, DEL propagated, expired_keys counted', async () => {
    t.srv.activeExpireEnabled = false
    try {
      await c.call('SET', 'k', 'v')
      await c.call('PEXPIRE', 'k', '5')
      await sleep(20)
      const before = await infoField('expired_keys')
      propagated.length = 0
      events.length = 0
      expect(await c.call('DBSIZE')).toBe(1)
      expect(await c.call('GET', 'k')).toBe(null)
      expect(await c.call('DBSIZE')).toBe(0)
      expect(events).toEqual(['x:expired:k@0'])
      expect(propagated).toEqual([['DEL', 'k']])
      expect(await infoField('expired_keys')).toBe(before + 1)
    } finally {
      t.srv.activeExpireEnabled = true
    }
  })

  it('the active cycle removes 10k keys with short TTLs that nobody accesses', async () => {
    const n = 10000
    const cmds: Buffer[] = []
    for (let i = 0; i < n; i++) {
      cmds.push(
        encodeCommand(['SET', `vol:${i}`, 'x']),
        encodeCommand(['PEXPIRE', `vol:${i}`, String(100 + (i % 200))]),
      )
    }
    await c.call('SET', 'keeper', 'stays')
    const before = await infoField('expired_keys')
    // Load with the cycle off, so every key is known to exist once its TTL has passed.
    t.srv.activeExpireEnabled = false
    try {
      c.writeRaw(Buffer.concat(cmds))
      for (let i = 0; i < 2 * n; i++) await c.next()
      await sleep(350)
      expect(await c.call('DBSIZE')).toBe(n + 1)
    } finally {
      t.srv.activeExpireEnabled = true
    }
    const sizes: number[] = []
    for (let i = 0; i < 100; i++) {
      await sleep(50)
      const size = (await c.call('DBSIZE')) as number
      sizes.push(size)
      if (size === 1) break
    }
    expect(sizes.at(-1)).toBe(1)
    expect(await c.call('GET', 'keeper')).toBe('stays')
    expect(await infoField('expired_keys')).toBe(before + n)
  })

  it('the active cycle keeps INFO keyspace avg_ttl as Redis, reset by FLUSHDB', async () => {
    const keyspaceLine = async (): Promise<string> => {
      const info = (await c.call('INFO', 'keyspace')) as string
      return /^db0:(.*)$/m.exec(info)?.[1].trim() ?? ''
    }
    const cmds: string[][] = []
    for (let i = 0; i < 200; i++) cmds.push(['SET', `t${i}`, 'v'], ['PEXPIRE', `t${i}`, '100000'])
    c.writeRaw(Buffer.concat(cmds.map((a) => encodeCommand(a))))
    for (let i = 0; i < cmds.length; i++) await c.next()
    await c.call('SET', 'plain', 'v')
    let line = ''
    for (let i = 0; i < 40; i++) {
      await sleep(50)
      line = await keyspaceLine()
      if (!line.endsWith('avg_ttl=0')) break
    }
    const m = /^keys=201,expires=200,avg_ttl=(\d+)$/.exec(line)
    expect(m, line).not.toBe(null)
    const avg = Number(m?.[1])
    // Integer running average of TTLs a little under 100 s (time passes, and /50*49 rounds down).
    expect(avg).toBeGreaterThan(95000)
    expect(avg).toBeLessThanOrEqual(100000)
    await c.call('FLUSHDB')
    await c.call('SET', 'plain', 'v')
    expect(await keyspaceLine()).toBe('keys=1,expires=0,avg_ttl=0')
  })

  it('DEBUG SET-ACTIVE-EXPIRE 0 stops the active cycle; access still expires lazily', async () => {
    expect(await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('OK')
    try {
      for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, 'v')
      for (let i = 0; i < 100; i++) await c.call('PEXPIRE', `k${i}`, '1')
      await sleep(300)
      expect(await c.call('DBSIZE')).toBe(100)
      expect(await c.call('EXISTS', 'k1', 'k2')).toBe(0)
      expect(await c.call('DBSIZE')).toBe(98)
    } finally {
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')
    }
  })
})
