// The browser's in-memory key index, built for millions of keys: a deduplicating set, the flat
// list, and a folder tree by separator. Views are virtual: `treeView`/`listView` hand out row
// objects only for the rows on screen, so a million keys cost one string each, not a DOM node or an
// object per row. Big folders are sorted only once the scan ends (sorting a million strings on
// every batch would stall the page).

export interface Row {
  kind: 'folder' | 'key'
  depth: number
  /** The segment shown (folder name, or the key's last part in the tree / whole key in the list). */
  label: string
  /** The full key, or the folder prefix ending with the separator. */
  path: string
  /** Keys under a folder (0 for keys). */
  count: number
}

export interface RowView {
  readonly length: number
  get(i: number): Row
}

/** Folders with more keys than this stay in scan order while a scan runs. */
export const SORT_WHILE_SCANNING = 20_000

class Folder {
  readonly folders = new Map<string, Folder>()
  keys: string[] = []
  count = 0
  sorted = true
  constructor(
    readonly label: string,
    readonly path: string,
    readonly parent: Folder | null,
  ) {}
}

interface Chunk {
  start: number
  depth: number
  folder?: Folder
  keys?: string[]
  prefixLength: number
}

export class KeyIndex {
  private readonly all = new Set<string>()
  private list: string[] = []
  private listSorted = true
  private root: Folder
  /** Folders by path: most keys land in an existing folder with one slice and one lookup. */
  private byPath = new Map<string, Folder>()

  constructor(readonly separator = ':') {
    this.root = new Folder('', '', null)
  }

  get size(): number {
    return this.all.size
  }

  has(key: string): boolean {
    return this.all.has(key)
  }

  /** Adds keys (duplicates from SCAN are ignored); returns how many were new. */
  add(keys: readonly string[]): number {
    let added = 0
    for (const k of keys) {
      if (this.all.has(k)) continue
      this.all.add(k)
      this.list.push(k)
      added++
      const f = this.folderOf(k)
      f.keys.push(k)
      f.sorted = false
      for (let p: Folder | null = f; p; p = p.parent) p.count++
    }
    if (added) this.listSorted = false
    return added
  }

  /** The folder a key belongs in, created (with its ancestors) when new. */
  private folderOf(key: string): Folder {
    const sep = this.separator
    const last = key.lastIndexOf(sep)
    if (last < 0) return this.root
    const path = key.slice(0, last + sep.length)
    const known = this.byPath.get(path)
    if (known) return known
    let f = this.root
    let from = 0
    for (;;) {
      const at = key.indexOf(sep, from)
      if (at < 0 || at > last) return f
      const label = key.slice(from, at)
      let child = f.folders.get(label)
      if (!child) {
        child = new Folder(label, key.slice(0, at + sep.length), f)
        f.folders.set(label, child)
        this.byPath.set(child.path, child)
      }
      f = child
      from = at + sep.length
    }
  }

  /** Removes keys; each affected folder is filtered once per call. */
  remove(keys: readonly string[]): number {
    const gone = new Set(keys.filter((k) => this.all.delete(k)))
    if (gone.size === 0) return 0
    this.list = this.list.filter((k) => !gone.has(k))
    const touched = new Set<Folder>()
    for (const k of gone) {
      const f = this.folderOf(k)
      touched.add(f)
      for (let p: Folder | null = f; p; p = p.parent) p.count--
      // Drop folders left empty, from the deepest up.
      for (let p: Folder = f; p.parent && p.count === 0; p = p.parent) {
        p.parent.folders.delete(p.label)
        this.byPath.delete(p.path)
      }
    }
    for (const f of touched) f.keys = f.keys.filter((k) => !gone.has(k))
    return gone.size
  }

  clear(): void {
    this.all.clear()
    this.list = []
    this.root = new Folder('', '', null)
    this.byPath = new Map()
  }

  /** The flat list. `scanning` defers sorting a big list to the end of the scan. */
  listView(scanning: boolean): RowView {
    if (!this.listSorted && (!scanning || this.list.length <= SORT_WHILE_SCANNING)) {
      this.list.sort()
      this.listSorted = true
    }
    const list = this.list
    return {
      length: list.length,
      get: (i) => ({ kind: 'key', depth: 0, label: list[i], path: list[i], count: 0 }),
    }
  }

  /** The tree with the given folders (by path) expanded. */
  treeView(expanded: ReadonlySet<string>, scanning: boolean): RowView {
    const chunks: Chunk[] = []
    let length = 0
    const visit = (f: Folder, depth: number) => {
      const names = [...f.folders.keys()].sort()
      for (const n of names) {
        const child = f.folders.get(n)!
        chunks.push({ start: length++, depth, folder: child, prefixLength: 0 })
        if (expanded.has(child.path)) visit(child, depth + 1)
      }
      if (f.keys.length) {
        if (!f.sorted && (!scanning || f.keys.length <= SORT_WHILE_SCANNING)) {
          f.keys.sort()
          f.sorted = true
        }
        chunks.push({ start: length, depth, keys: f.keys, prefixLength: f.path.length })
        length += f.keys.length
      }
    }
    visit(this.root, 0)
    return {
      length,
      get(i) {
        let lo = 0
        let hi = chunks.length - 1
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1
          if (chunks[mid].start <= i) lo = mid
          else hi = mid - 1
        }
        const c = chunks[lo]
        if (c.folder)
          return { kind: 'folder', depth: c.depth, label: c.folder.label, path: c.folder.path, count: c.folder.count }
        const key = c.keys![i - c.start]
        return { kind: 'key', depth: c.depth, label: key.slice(c.prefixLength), path: key, count: 0 }
      },
    }
  }

  /** Folder paths down to a key (to reveal it in the tree). */
  ancestors(key: string): string[] {
    const out: string[] = []
    let from = 0
    for (;;) {
      const at = key.indexOf(this.separator, from)
      if (at < 0) return out
      out.push(key.slice(0, at + this.separator.length))
      from = at + this.separator.length
    }
  }
}
