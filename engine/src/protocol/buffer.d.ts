// Node's Buffer#latin1Slice and #latin1Write: the direct latin1 codecs behind toString('latin1')
// and write(s, 'latin1'), without their encoding dispatch. Stable since Node 0.x but not in @types/node.
declare module 'buffer' {
  interface Buffer {
    latin1Slice(start: number, end: number): string
    latin1Write(s: string, offset: number, length: number): number
  }
}
export {}
