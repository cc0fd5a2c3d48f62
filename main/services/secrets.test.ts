import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../db/store.js'
import { SecretStore, fileCipher } from './secrets.js'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'strata-secrets-'))
  dirs.push(d)
  return d
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('secret store with the web host file cipher', () => {
  it('round-trips secrets, encrypted at rest, with a 0600 key file and a warning', () => {
    const dir = tempDir()
    const db = openStore(join(dir, 'console.sqlite'))
    const store = new SecretStore(db, fileCipher(dir))
    store.set('c1', { password: 'hunter2-very-secret', tlsKey: 'PEM' })
    expect(store.get('c1')).toEqual({ password: 'hunter2-very-secret', tlsKey: 'PEM' })
    // Neither the database nor its WAL holds the password in clear.
    for (const f of ['console.sqlite', 'console.sqlite-wal'])
      if (existsSync(join(dir, f))) expect(readFileSync(join(dir, f), 'latin1').includes('hunter2')).toBe(false)
    db.close()
    expect(readFileSync(join(dir, 'console.sqlite'), 'latin1').includes('hunter2')).toBe(false)
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600)
    expect(fileCipher(dir).warning).toContain('No OS keychain')
  })

  it('reads back after reopening and forgets emptied secrets', () => {
    const dir = tempDir()
    let db = openStore(join(dir, 'console.sqlite'))
    new SecretStore(db, fileCipher(dir)).set('c1', { password: 'p' })
    db.close()
    db = openStore(join(dir, 'console.sqlite'))
    const store = new SecretStore(db, fileCipher(dir))
    expect(store.get('c1')).toEqual({ password: 'p' })
    store.set('c1', {})
    expect(store.get('c1')).toEqual({})
    db.close()
  })

  it('refuses to decrypt with another key', () => {
    const a = tempDir()
    const blob = fileCipher(a).encrypt('x')
    expect(() => fileCipher(tempDir()).decrypt(blob)).toThrow()
  })
})
