// Redis glob matching (stringmatchlen): * ? [abc] [^a-z] and \ escapes, used to decide whether a
// key from a live notification belongs to the current pattern filter.

export function globMatch(pattern: string, s: string): boolean {
  const m = (p: number, i: number): boolean => {
    while (p < pattern.length) {
      const c = pattern[p]
      if (c === '*') {
        while (pattern[p + 1] === '*') p++
        if (p + 1 === pattern.length) return true
        for (let j = i; j <= s.length; j++) if (m(p + 1, j)) return true
        return false
      }
      if (i >= s.length) return false
      if (c === '?') {
        p++
        i++
        continue
      }
      if (c === '[') {
        let q = p + 1
        const not = pattern[q] === '^'
        if (not) q++
        let hit = false
        while (q < pattern.length && pattern[q] !== ']') {
          if (pattern[q] === '\\' && q + 1 < pattern.length) {
            if (pattern[++q] === s[i]) hit = true
          } else if (pattern[q + 1] === '-' && q + 2 < pattern.length && pattern[q + 2] !== ']') {
            let lo = pattern[q]
            let hi = pattern[q + 2]
            if (lo > hi) [lo, hi] = [hi, lo]
            if (s[i] >= lo && s[i] <= hi) hit = true
            q += 2
          } else if (pattern[q] === s[i]) hit = true
          q++
        }
        if (hit === not) return false
        p = q + 1
        i++
        continue
      }
      const lit = c === '\\' && p + 1 < pattern.length ? pattern[++p] : c
      if (lit !== s[i]) return false
      p++
      i++
    }
    return i === s.length
  }
  return m(0, 0)
}
