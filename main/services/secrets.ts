// Secrets (passwords, TLS private keys) encrypted at rest in the SQLite `secrets` table. The cipher
// is the platform's: Electron's safeStorage (OS keychain) on the desktop; in the web host, AES-256-GCM
// with a key file in the data folder — weaker, so the app says so (`warning`).

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import type { Sqlite } from '../db/store.js'

export interface Secret {
  password?: string
  tlsKey?: string
}

export interface Cipher {
  kind: 'os' | 'file'
  /** Shown to the user when secrets are less protected than by an OS keychain. */
  warning?: string
  encrypt(plain: string): Buffer
  decrypt(blob: Buffer): string
}

export class SecretStore {
  constructor(
    private readonly db: Sqlite,
    readonly cipher: Cipher,
  ) {}

  get(id: string): Secret {
    const row = this.db.prepare('SELECT blob FROM secrets WHERE id = ?').get(id) as { blob: Buffer } | undefined
    return row ? (JSON.parse(this.cipher.decrypt(row.blob)) as Secret) : {}
  }

  set(id: string, secret: Secret): void {
    if (!secret.password && !secret.tlsKey) {
      this.delete(id)
      return
    }
    const blob = this.cipher.encrypt(JSON.stringify(secret))
    this.db
      .prepare('INSERT INTO secrets (id, blob) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET blob = excluded.blob')
      .run(id, blob)
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM secrets WHERE id = ?').run(id)
  }
}

/** The web host's fallback: AES-256-GCM with a random key kept in `<dir>/secret.key` (mode 0600). */
export function fileCipher(dir: string): Cipher {
  const keyFile = join(dir, 'secret.key')
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32), { mode: 0o600 })
  chmodSync(keyFile, 0o600)
  const key = readFileSync(keyFile)
  if (key.length !== 32) throw new Error(`${keyFile} is not a 32-byte key; move it away to create a new one`)
  return {
    kind: 'file',
    warning:
      `No OS keychain in the web host: saved passwords are encrypted with a key stored in ${keyFile}. ` +
      'Anyone who can read that folder can read them.',
    encrypt(plain) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()])
      return Buffer.concat([iv, c.getAuthTag(), body])
    },
    decrypt(blob) {
      const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12))
      d.setAuthTag(blob.subarray(12, 28))
      return Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8')
    },
  }
}
