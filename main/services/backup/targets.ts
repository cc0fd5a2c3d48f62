// Where backups are stored: a local folder or an S3 bucket/prefix (any S3-compatible endpoint).
// Both store objects under a relative key and make a large object visible only once it is complete:
// a local file is written under a temporary name, fsynced and renamed; an S3 object goes up as a
// multipart upload (lib-storage) that is aborted on failure, with the SDK's retries per request.

import { createReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { Readable } from 'node:stream'
import { randomBytes } from 'node:crypto'
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'

export interface StoredObject {
  key: string
  size: number
  modified: number
}

export interface LocalTargetConfig {
  kind: 'local'
  path: string
}

export interface S3TargetConfig {
  kind: 's3'
  bucket: string
  prefix: string
  region: string
  endpoint?: string
  forcePathStyle: boolean
  accessKeyId?: string
}

export type TargetConfig = LocalTargetConfig | S3TargetConfig

/** A small object stored along with a large one (a backup's sidecar). */
export interface Companion {
  key: string
  data: Buffer
}

export interface TargetStore {
  /** Checks that the target is reachable and writable; returns a short description. */
  test(): Promise<string>
  /**
   * Stores body under key, visible only when complete; nothing stays behind on failure. With
   * `companion`, the small object it makes once body is consumed (and found good by the caller,
   * who may throw there) is stored too, visible right after the main one; a failure of either
   * leaves neither.
   */
  write(key: string, body: AsyncIterable<Buffer>, signal?: AbortSignal, companion?: () => Companion): Promise<void>
  /** True when write() is done with a chunk of body once it asks for the next one. */
  readonly releasesChunks: boolean
  read(key: string): Promise<Readable>
  list(under?: string): Promise<StoredObject[]>
  delete(keys: string[]): Promise<void>
  /** A human location: a path or an s3:// URI. */
  where(key: string): string
  close(): void
}

const toSlash = (p: string) => p.split(sep).join('/')

/** Bytes a local target writes between background flushes. */
const SYNC_EVERY = 8 << 20

const partialName = (path: string) => `${path}.partial-${randomBytes(4).toString('hex')}`

/** Writes a small file and flushes it (its folder exists). */
async function writeDurably(path: string, data: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const fh = await open(path, 'w')
  try {
    await fh.write(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  await fh.sync().finally(() => fh.close())
}

class LocalTarget implements TargetStore {
  readonly releasesChunks = true

  constructor(private readonly root: string) {}

  private path(key: string): string {
    const p = join(this.root, ...key.split('/'))
    if (relative(this.root, p).startsWith('..')) throw new Error(`Key ${key} leaves the target folder`)
    return p
  }

  async test(): Promise<string> {
    await mkdir(this.root, { recursive: true })
    const probe = join(this.root, `.strata-probe-${randomBytes(4).toString('hex')}`)
    const fh = await open(probe, 'w')
    await fh.close()
    await unlink(probe)
    return `Folder ${this.root} is writable`
  }

  async write(
    key: string,
    body: AsyncIterable<Buffer>,
    signal?: AbortSignal,
    companion?: () => Companion,
  ): Promise<void> {
    const final = this.path(key)
    await mkdir(dirname(final), { recursive: true })
    const tmp = partialName(final)
    const fh = await open(tmp, 'w')
    // Written data is flushed every SYNC_EVERY bytes while the rest still arrives (as Redis's
    // rdb-save-incremental-fsync), so the final fsync has only the last part to wait for.
    let syncing: Promise<void> = Promise.resolve()
    let side: { final: string; tmp: string; written: Promise<void> } | null = null
    const renamed: string[] = []
    try {
      let unsynced = 0
      for await (const chunk of body) {
        signal?.throwIfAborted()
        await fh.write(chunk)
        unsynced += chunk.length
        if (unsynced >= SYNC_EVERY) {
          await syncing
          syncing = fh.datasync()
          // Awaited later; a failure meanwhile must not count as unhandled.
          syncing.catch(() => {})
          unsynced = 0
        }
      }
      // The companion is written and flushed while the last of the body is, and both are
      // renamed into place before one flush of their folder.
      const c = companion?.()
      if (c) {
        const at = this.path(c.key)
        const tmpSide = partialName(at)
        side = { final: at, tmp: tmpSide, written: writeDurably(tmpSide, c.data) }
        side.written.catch(() => {})
      }
      await syncing
      await fh.sync()
      await fh.close()
      await side?.written
      await rename(tmp, final)
      renamed.push(final)
      if (side) {
        await rename(side.tmp, side.final)
        renamed.push(side.final)
      }
      for (const d of new Set(renamed.map((p) => dirname(p)))) await syncDir(d)
    } catch (e) {
      await syncing.catch(() => {})
      await fh.close().catch(() => {})
      await side?.written.catch(() => {})
      for (const p of [tmp, ...(side ? [side.tmp] : []), ...renamed]) await unlink(p).catch(() => {})
      throw e
    }
  }

  async read(key: string): Promise<Readable> {
    const p = this.path(key)
    await stat(p)
    return createReadStream(p)
  }

  async list(under = ''): Promise<StoredObject[]> {
    const out: StoredObject[] = []
    const walk = async (dir: string): Promise<void> => {
      let entries
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
        throw e
      }
      for (const e of entries) {
        const p = join(dir, e.name)
        if (e.isDirectory()) await walk(p)
        else if (e.isFile() && !e.name.includes('.partial-')) {
          const s = await stat(p)
          out.push({ key: toSlash(relative(this.root, p)), size: s.size, modified: s.mtimeMs })
        }
      }
    }
    await walk(under ? this.path(under) : this.root)
    return out
  }

  async delete(keys: string[]): Promise<void> {
    for (const k of keys) await rm(this.path(k), { force: true })
  }

  where(key: string): string {
    return this.path(key)
  }

  close(): void {}
}

export interface S3Credentials {
  accessKeyId: string
  secretAccessKey: string
}

class S3Target implements TargetStore {
  /** lib-storage gathers chunks until a part is full. */
  readonly releasesChunks = false
  private readonly s3: S3Client
  private readonly prefix: string

  constructor(
    private readonly cfg: S3TargetConfig,
    creds: S3Credentials | undefined,
    private readonly pageSize = 1000,
  ) {
    this.prefix = cfg.prefix && !cfg.prefix.endsWith('/') ? `${cfg.prefix}/` : cfg.prefix
    this.s3 = new S3Client({
      region: cfg.region || 'us-east-1',
      endpoint: cfg.endpoint || undefined,
      forcePathStyle: cfg.forcePathStyle,
      credentials: creds,
      maxAttempts: 4,
      // Checksums only where S3 requires them: a streamed PutObject with a checksum trailer is sent
      // aws-chunked, which several S3-compatible servers store verbatim.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
  }

  async test(): Promise<string> {
    await this.s3.send(new HeadBucketCommand({ Bucket: this.cfg.bucket }))
    const probe = `${this.prefix}.strata-probe-${randomBytes(4).toString('hex')}`
    await this.s3.send(new PutObjectCommand({ Bucket: this.cfg.bucket, Key: probe, Body: '' }))
    await this.s3.send(new DeleteObjectsCommand({ Bucket: this.cfg.bucket, Delete: { Objects: [{ Key: probe }] } }))
    return `Bucket ${this.cfg.bucket} is writable`
  }

  async write(
    key: string,
    body: AsyncIterable<Buffer>,
    signal?: AbortSignal,
    companion?: () => Companion,
  ): Promise<void> {
    const abortController = new AbortController()
    const onAbort = () => abortController.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.cfg.bucket, Key: this.prefix + key, Body: Readable.from(body) },
      partSize: 8 << 20,
      queueSize: 3,
      leavePartsOnError: false,
      abortController,
    })
    try {
      await upload.done()
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    if (!companion) return
    try {
      const c = companion()
      await this.s3.send(new PutObjectCommand({ Bucket: this.cfg.bucket, Key: this.prefix + c.key, Body: c.data }), {
        abortSignal: signal,
      })
    } catch (e) {
      await this.delete([key]).catch(() => {})
      throw e
    }
  }

  async read(key: string): Promise<Readable> {
    const r = await this.s3.send(new GetObjectCommand({ Bucket: this.cfg.bucket, Key: this.prefix + key }))
    return r.Body as Readable
  }

  async list(under = ''): Promise<StoredObject[]> {
    const out: StoredObject[] = []
    const pages = paginateListObjectsV2(
      { client: this.s3, pageSize: this.pageSize },
      { Bucket: this.cfg.bucket, Prefix: this.prefix + under },
    )
    for await (const page of pages) {
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue
        out.push({
          key: o.Key.slice(this.prefix.length),
          size: o.Size ?? 0,
          modified: o.LastModified?.getTime() ?? 0,
        })
      }
    }
    return out
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const r = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.cfg.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((k) => ({ Key: this.prefix + k })) },
        }),
      )
      if (r.Errors?.length) throw new Error(`S3 refused to delete ${r.Errors[0].Key}: ${r.Errors[0].Message}`)
    }
  }

  where(key: string): string {
    return `s3://${this.cfg.bucket}/${this.prefix}${key}`
  }

  close(): void {
    this.s3.destroy()
  }
}

export function openTarget(cfg: TargetConfig, creds?: S3Credentials, opts: { pageSize?: number } = {}): TargetStore {
  return cfg.kind === 'local' ? new LocalTarget(cfg.path) : new S3Target(cfg, creds, opts.pageSize)
}
