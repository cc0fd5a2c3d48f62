// Renders CLI replies the way redis-cli does: (integer) 1, (nil), (error) ..., quoted strings,
// numbered nested arrays.

import type { CliReply } from '../../../main/api/contract'

function quote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.charCodeAt(0)
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0')
    else out += ch
  }
  return out + '"'
}

export function formatReply(r: CliReply, indent = 0): string {
  switch (r.t) {
    case 'nil':
      return '(nil)'
    case 'int':
      return `(integer) ${r.v}`
    case 'err':
      return `(error) ${r.v}`
    case 'str':
      return quote(r.v)
    case 'arr': {
      if (r.v.length === 0) return '(empty array)'
      const width = String(r.v.length).length
      return r.v
        .map((x, i) => {
          const label = `${String(i + 1).padStart(width)}) `
          const body = formatReply(x, indent + label.length)
          return (i === 0 ? '' : ' '.repeat(indent)) + label + body
        })
        .join('\n')
    }
  }
}
