// Redis's glob-style pattern matcher (stringmatchlen): *, ?, [abc], [^a-z], and \ escapes.

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  return matchAt(pattern, 0, str, 0, nocase, 0)
}

function eq(a: number, b: number, nocase: boolean): boolean {
  if (a === b) return true
  if (!nocase) return false
  const la = a >= 65 && a <= 90 ? a + 32 : a
  const lb = b >= 65 && b <= 90 ? b + 32 : b
  return la === lb
}

function matchAt(p: string, pi: number, s: string, si: number, nocase: boolean, depth: number): boolean {
  // Depth bound as Redis 7 adds against pathological patterns.
  if (depth > 1000) return false
  while (pi < p.length) {
    const pc = p.charCodeAt(pi)
    if (pc === 42 /* * */) {
      while (pi + 1 < p.length && p.charCodeAt(pi + 1) === 42) pi++
      if (pi + 1 === p.length) return true
      for (let k = si; k <= s.length; k++) {
        if (matchAt(p, pi + 1, s, k, nocase, depth + 1)) return true
      }
      return false
    }
    if (si >= s.length) return false
    const sc = s.charCodeAt(si)
    if (pc === 63 /* ? */) {
      pi++
      si++
      continue
    }
    if (pc === 91 /* [ */) {
      pi++
      const not = p.charCodeAt(pi) === 94 /* ^ */
      if (not) pi++
      let matched = false
      for (;;) {
        if (pi >= p.length) {
          pi--
          break
        }
        const c = p.charCodeAt(pi)
        if (c === 92 /* \ */ && pi + 2 < p.length) {
          pi++
          if (p.charCodeAt(pi) === sc) matched = true
        } else if (c === 93 /* ] */) {
          break
        } else if (pi + 2 < p.length && p.charCodeAt(pi + 1) === 45 /* - */) {
          let start = c
          let end = p.charCodeAt(pi + 2)
          if (start > end) [start, end] = [end, start]
          let ch = sc
          let lo = start
          let hi = end
          if (nocase) {
            ch = lower(ch)
            lo = lower(lo)
            hi = lower(hi)
          }
          pi += 2
          if (ch >= lo && ch <= hi) matched = true
        } else if (eq(c, sc, nocase)) {
          matched = true
        }
        pi++
      }
      if (not) matched = !matched
      if (!matched) return false
      pi++
      si++
      continue
    }
    if (pc === 92 /* \ */ && pi + 1 < p.length) {
      pi++
      if (!eq(p.charCodeAt(pi), sc, nocase)) return false
      pi++
      si++
      continue
    }
    if (!eq(pc, sc, nocase)) return false
    pi++
    si++
  }
  return si === s.length
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c
}
