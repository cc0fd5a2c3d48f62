// Node's Buffer#latin1Slice: the direct latin1 decoder behind toString('latin1'), without its
// encoding dispatch. Stable since Node 0.x but not in @types/node.
declare module 'buffer' {
  interface Buffer {
    latin1Slice(start: number, end: number): string
  }
}
export {}
