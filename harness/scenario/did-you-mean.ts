// "did you mean" hints for misspelt names and keys: the nearest candidate by edit distance,
// offered only when it is close enough to be a plausible typo.

export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  // Any one- or two-letter name is one edit away from another: no useful hint there.
  if (word.length < 3) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // A third of the word may be wrong: catches typos, not unrelated names.
  return best !== undefined && bestDistance <= Math.floor(word.length / 3) ? best : undefined;
}

export function hint(word: string, candidates: Iterable<string>): string {
  const n = nearest(word, candidates);
  return n === undefined ? '' : `; did you mean '${n}'?`;
}

/** Levenshtein distance where swapping two neighbours counts as one edit ('rde' → 'red'). */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], before[j - 2] + 1);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length];
}
