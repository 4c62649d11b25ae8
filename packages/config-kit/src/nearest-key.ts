/**
 * "Did you mean …?" for misspelt keys: a misspelling would otherwise leave a default in place,
 * or be reported with nothing to fix it by.
 */

/** Edit distance (insertions, deletions, substitutions). */
export function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/**
 * Two edits for short keys, three from 12 characters: close enough to be the same word
 * mistyped, far enough apart that unrelated short names (HOME, HOST) do not match.
 */
export function defaultMaxEdits(candidate: string): number {
  return candidate.length >= 12 ? 3 : 2;
}

/**
 * The candidate nearest to `word`, compared case-insensitively, if it is within
 * `maxEdits(candidate)` edits; ties go to the earlier candidate.
 */
export function nearestKey(
  word: string,
  candidates: Iterable<string>,
  maxEdits: (candidate: string) => number = defaultMaxEdits,
): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d <= maxEdits(c) && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
