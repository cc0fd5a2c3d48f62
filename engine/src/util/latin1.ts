// Decoding short latin1 strings from bytes. Buffer#latin1Slice is a C++ binding, about 190 ns a
// call; String.fromCharCode with its arguments spelled out stays in V8's own builtin and takes
// about 70 ns for 16 bytes (measured), so loading an RDB of short keys and values spends a
// fraction of the time making strings. Longer strings go through latin1Slice, whose copy then
// dominates.

/** The latin1 string of b[p, p + n). */
export function latin1Of(b: Buffer, p: number, n: number): string {
  switch (n) {
    case 0:
      return ''
    case 1:
      return String.fromCharCode(b[p])
    case 2:
      return String.fromCharCode(b[p], b[p + 1])
    case 3:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2])
    case 4:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3])
    case 5:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4])
    case 6:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5])
    case 7:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6])
    case 8:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7])
    case 9:
      return String.fromCharCode(b[p], b[p + 1], b[p + 2], b[p + 3], b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8])
    case 10:
      return String.fromCharCode(
        b[p],
        b[p + 1],
        b[p + 2],
        b[p + 3],
        b[p + 4],
        b[p + 5],
        b[p + 6],
        b[p + 7],
        b[p + 8],
        b[p + 9],
      )
    case 11:
      return String.fromCharCode(
        b[p],
        b[p + 1],
        b[p + 2],
        b[p + 3],
        b[p + 4],
        b[p + 5],
        b[p + 6],
        b[p + 7],
        b[p + 8],
        b[p + 9],
        b[p + 10],
      )
    case 12:
      return String.fromCharCode(
        b[p],
        b[p + 1],
        b[p + 2],
        b[p + 3],
        b[p + 4],
        b[p + 5],
        b[p + 6],
        b[p + 7],
        b[p + 8],
        b[p + 9],
        b[p + 10],
        b[p + 11],
      )
    case 13:
      return String.fromCharCode(
        b[p],
        b[p + 1],
        b[p + 2],
        b[p + 3],
        b[p + 4],
        b[p + 5],
        b[p + 6],
        b[p + 7],
        b[p + 8],
        b[p + 9],
        b[p + 10],
        b[p + 11],
        b[p + 12],
      )
    case 14:
      return String.fromCharCode(
        b[p],
        b[p + 1],
        b[p + 2],
        b[p + 3],
        b[p + 4],
        b[p + 5],
        b[p + 6],
        b[p + 7],
        b[p + 8],
        b[p + 9],
        b[p + 10],
        b[p + 11],
        b[p + 12],
        b[p + 13],
      )
    case 15:
      return String.fromCharCode(
        b[p],
        b[p + 1],
        b[p + 2],
        b[p + 3],
        b[p + 4],
        b[p + 5],
        b[p + 6],
        b[p + 7],
        b[p + 8],
        b[p + 9],
        b[p + 10],
        b[p + 11],
        b[p + 12],
        b[p + 13],
        b[p + 14],
      )
    case 16:
      return String.fromCharCode(
        b[p],
        b[p + 1],
        b[p + 2],
        b[p + 3],
        b[p + 4],
        b[p + 5],
        b[p + 6],
        b[p + 7],
        b[p + 8],
        b[p + 9],
        b[p + 10],
        b[p + 11],
        b[p + 12],
        b[p + 13],
        b[p + 14],
        b[p + 15],
      )
    default:
      return b.latin1Slice(p, p + n)
  }
}
