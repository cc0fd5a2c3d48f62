// The quicklist encoding (quicklist.c, Redis 7.0): a list stored as a sequence of listpack nodes.
// Node fill rules follow 7.0 exactly (`list-max-listpack-size`: negative = byte limit per node of
// 4/8/16/32/64 KB, positive = entry count with an 8 KB safety limit), including the split and
// merge behaviour of inserts in the middle, so the node layout (and so the RDB bytes) is Redis's.
// Compression (`list-compress-depth`) is not applied in memory; plain (>= 1 GB) nodes are not made.

import { Listpack } from './listpack.js'
import { arrayBytes, arraysBytes, objectBytes, strBytes } from './heapsize.js'

/** Byte limits for fill -1..-5 (optimization_level). */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536]
/** SIZE_SAFETY_LIMIT: count-limited nodes still never grow past this. */
const SIZE_SAFETY_LIMIT = 8192
/** SIZE_ESTIMATE_OVERHEAD: 7.0 over-estimates an entry's cost as its length plus this. */
const SIZE_ESTIMATE_OVERHEAD = 8
/** What 7.0's merge estimate subtracts for the header and terminator one node loses. */
const ZIPLIST_HEADER_AND_END = 11
/** FILL_MAX: quicklistSetFill clamps positive fills to this. */
const FILL_MAX = (1 << 15) - 1

/** A Quicklist object and one node's Listpack object, in JS heap bytes. */
const QUICKLIST_BYTES = objectBytes(4)
const NODE_BYTES = objectBytes(4)

function meetsOptimizationRequirement(sz: number, fill: number): boolean {
  if (fill >= 0) return false
  const offset = -fill - 1
  return offset < OPTIMIZATION_LEVEL.length && sz <= OPTIMIZATION_LEVEL[offset]
}

/** _quicklistNodeAllowInsert: may an element of `sz` bytes join `node`? */
function allowInsert(node: Listpack | undefined, fill: number, sz: number): boolean {
  if (node === undefined) return false
  const newSz = node.bytes + sz + SIZE_ESTIMATE_OVERHEAD
  if (meetsOptimizationRequirement(newSz, fill)) return true
  if (newSz > SIZE_SAFETY_LIMIT) return false
  return node.length < fill
}

/** _quicklistNodeAllowMerge: may a and b become one node? */
function allowMerge(a: Listpack | undefined, b: Listpack | undefined, fill: number): boolean {
  if (a === undefined || b === undefined) return false
  // 7.0 still subtracts the ziplist header and terminator (11 bytes), not a listpack's 7, so a
  // merged node may end up 4 bytes over the limit, exactly as in Redis.
  const mergeSz = a.bytes + b.bytes - ZIPLIST_HEADER_AND_END
  if (meetsOptimizationRequirement(mergeSz, fill)) return true
  if (mergeSz > SIZE_SAFETY_LIMIT) return false
  return a.length + b.length <= fill
}

/** Where element i lives: node index and offset inside that node. */
export interface QuicklistPos {
  node: number
  offset: number
}

export class Quicklist {
  /** The listpack nodes, head first. Never holds an empty node. */
  nodes: Listpack[] = []
  /** Total elements. */
  count = 0
  /** Running sum of the elements' JS string sizes (memory accounting). */
  heap = 0
  readonly fill: number

  /** `fill` is list-max-listpack-size at creation time, as quicklistCreate takes it. */
  constructor(fill: number) {
    this.fill = fill > FILL_MAX ? FILL_MAX : fill < -5 ? -5 : fill
  }

  pushHead(s: string): void {
    this.heap += strBytes(s)
    const head = this.nodes[0]
    if (allowInsert(head, this.fill, s.length)) {
      head.unshift(s)
    } else {
      head?.compact()
      this.nodes.unshift(new Listpack([s]))
    }
    this.count++
  }

  pushTail(s: string): void {
    this.heap += strBytes(s)
    const tail = this.nodes[this.nodes.length - 1]
    if (allowInsert(tail, this.fill, s.length)) tail.push(s)
    else this.nodes.push(new Listpack([s]))
    this.count++
  }

  popHead(): string | undefined {
    const head = this.nodes[0]
    if (head === undefined) return undefined
    const s = head.shift()
    if (head.length === 0) this.nodes.shift()
    this.count--
    this.heap -= strBytes(s)
    return s
  }

  popTail(): string | undefined {
    const tail = this.nodes[this.nodes.length - 1]
    if (tail === undefined) return undefined
    const s = tail.pop()
    if (tail.length === 0) this.nodes.pop()
    this.count--
    this.heap -= strBytes(s)
    return s
  }

  /** Position of element `index` (negative counts from the tail), or null when out of range. */
  locate(index: number): QuicklistPos | null {
    if (index < 0) index += this.count
    if (index < 0 || index >= this.count) return null
    const nodes = this.nodes
    if (index < this.count / 2) {
      for (let n = 0; n < nodes.length; n++) {
        if (index < nodes[n].length) return { node: n, offset: index }
        index -= nodes[n].length
      }
    } else {
      let fromTail = this.count - 1 - index
      for (let n = nodes.length - 1; n >= 0; n--) {
        const len = nodes[n].length
        if (fromTail < len) return { node: n, offset: len - 1 - fromTail }
        fromTail -= len
      }
    }
    return null
  }

  get(index: number): string | undefined {
    const p = this.locate(index)
    return p === null ? undefined : this.nodes[p.node].get(p.offset)
  }

  /** quicklistReplaceAtIndex: 7.0 replaces in place whatever the new size. */
  set(index: number, s: string): boolean {
    const p = this.locate(index)
    if (p === null) return false
    const node = this.nodes[p.node]
    this.heap += strBytes(s) - strBytes(node.get(p.offset))
    node.set(p.offset, s)
    return true
  }

  /** Elements start..end inclusive (already clamped to 0..count-1 by the caller). */
  range(start: number, end: number): string[] {
    const out: string[] = []
    if (start > end) return out
    const p = this.locate(start)
    if (p === null) return out
    let want = end - start + 1
    let off = p.offset
    for (let n = p.node; n < this.nodes.length && want > 0; n++) {
      const node = this.nodes[n]
      const stop = Math.min(node.length, off + want)
      for (let i = off; i < stop; i++) out.push(node.get(i))
      want -= stop - off
      off = 0
    }
    return out
  }

  /** Every element, head to tail. */
  toArray(): string[] {
    const out: string[] = []
    for (const node of this.nodes) for (const s of node.entries) out.push(s)
    return out
  }

  /** _quicklistInsert: puts s before or after the element at pos, splitting/merging like Redis. */
  insert(pos: QuicklistPos, s: string, after: boolean): void {
    const fill = this.fill
    const sz = s.length
    const n = pos.node
    const node = this.nodes[n]
    const full = !allowInsert(node, fill, sz)
    const atTail = after && pos.offset === node.length - 1
    const atHead = !after && pos.offset === 0
    this.count++
    this.heap += strBytes(s)
    if (!full) {
      node.insert(after ? pos.offset + 1 : pos.offset, s)
    } else if (atTail && allowInsert(this.nodes[n + 1], fill, sz)) {
      this.nodes[n + 1].unshift(s)
    } else if (atHead && allowInsert(this.nodes[n - 1], fill, sz)) {
      this.nodes[n - 1].push(s)
    } else if (atTail || atHead) {
      this.nodes.splice(after ? n + 1 : n, 0, new Listpack([s]))
    } else {
      // Split: the part after (or before) the insertion point moves to a new node holding s.
      let fresh: Listpack
      if (after) {
        fresh = new Listpack(node.remove(pos.offset + 1, node.length))
        fresh.unshift(s)
        this.nodes.splice(n + 1, 0, fresh)
        this.mergeAround(n)
      } else {
        fresh = new Listpack(node.remove(0, pos.offset))
        fresh.push(s)
        this.nodes.splice(n, 0, fresh)
        this.mergeAround(n + 1)
      }
    }
  }

  /** _quicklistMergeNodes around the node that was split (index c). */
  private mergeAround(c: number): void {
    const fill = this.fill
    const nodes = this.nodes
    // prev_prev + prev
    if (c >= 2 && allowMerge(nodes[c - 1], nodes[c - 2], fill)) {
      this.mergeInto(c - 2)
      c--
    }
    // next + next_next
    if (allowMerge(nodes[c + 1], nodes[c + 2], fill)) this.mergeInto(c + 1)
    // center + prev, then the result + next
    let target = c
    if (c >= 1 && allowMerge(nodes[c], nodes[c - 1], fill)) {
      this.mergeInto(c - 1)
      target = c - 1
    }
    if (allowMerge(nodes[target], nodes[target + 1], fill)) this.mergeInto(target)
  }

  /** Appends node i+1's entries to node i and drops node i+1. */
  private mergeInto(i: number): void {
    const a = this.nodes[i]
    const b = this.nodes[i + 1]
    for (const s of b.entries) a.push(s)
    this.nodes.splice(i + 1, 1)
  }

  /** Deletes the element at pos; returns the position of the element that followed it. */
  deleteAt(pos: QuicklistPos): QuicklistPos {
    const node = this.nodes[pos.node]
    this.heap -= strBytes(node.remove(pos.offset)[0])
    this.count--
    if (node.length === 0) {
      this.nodes.splice(pos.node, 1)
      return { node: pos.node, offset: 0 }
    }
    if (pos.offset >= node.length) return { node: pos.node + 1, offset: 0 }
    return pos
  }

  /** quicklistDelRange: removes `n` elements starting at index `start` (>= 0). */
  deleteRange(start: number, n: number): void {
    const p = this.locate(start)
    if (p === null || n <= 0) return
    let left = Math.min(n, this.count - start)
    this.count -= left
    let i = p.node
    let off = p.offset
    while (left > 0) {
      const node = this.nodes[i]
      const take = Math.min(left, node.length - off)
      if (take === node.length) {
        this.heap -= node.heap
        this.nodes.splice(i, 1)
      } else {
        for (const s of node.remove(off, take)) this.heap -= strBytes(s)
        i++
      }
      left -= take
      off = 0
    }
  }

  clone(): Quicklist {
    const q = new Quicklist(this.fill)
    q.nodes = this.nodes.map((n) => n.clone())
    q.count = this.count
    q.heap = this.heap
    return q
  }

  /** quicklistAppendListpack: adopts a whole node as the new tail (RDB load). */
  appendNode(lp: Listpack): void {
    this.nodes.push(lp)
    this.count += lp.length
    this.heap += lp.heap
  }

  /** Estimated JS heap bytes, in O(1): the objects, the node array, the nodes' item arrays, the strings. */
  memoryUsage(): number {
    return (
      QUICKLIST_BYTES +
      arrayBytes(this.nodes.length) +
      NODE_BYTES * this.nodes.length +
      arraysBytes(this.nodes.length, this.count) +
      this.heap
    )
  }
}
