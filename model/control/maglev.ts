// Maglev lookup table (Eisenbud et al., NSDI 2016, section 3.4), as docs section 5 fixes it:
// M = MAGLEV_M (prime), backends sorted by IP get indexes 0..n-1, backend i's permutation
// is offset + j * skip (mod M) with offset and skip from jhash_1word of its IP, and the
// table is filled round-robin, each backend taking its next preferred free slot in turn.

import { jhash1word } from '../hash/jhash.ts';
import { CONSTS } from '../dataplane/consts.ts';

export function maglevOffset(ip: number, m: number = CONSTS.MAGLEV_M): number {
  return jhash1word(ip >>> 0, CONSTS.SEED_MAGLEV_OFFSET) % m;
}

export function maglevSkip(ip: number, m: number = CONSTS.MAGLEV_M): number {
  return (jhash1word(ip >>> 0, CONSTS.SEED_MAGLEV_SKIP) % (m - 1)) + 1;
}

/** Backend IPs in index order: ascending as unsigned numbers. */
export function sortBackendIps(ips: readonly number[]): number[] {
  return [...ips].map((x) => x >>> 0).sort((a, b) => a - b);
}

/**
 * The table for backends already in index order: entry[slot] = backend index. With no
 * backends every slot is 0 (the data plane checks n_backends before using it).
 */
export function maglevTable(sortedIps: readonly number[], m: number = CONSTS.MAGLEV_M): Uint32Array {
  const n = sortedIps.length;
  const entry = new Int32Array(m).fill(-1);
  if (n === 0) return new Uint32Array(m);
  const offset = sortedIps.map((ip) => maglevOffset(ip, m));
  const skip = sortedIps.map((ip) => maglevSkip(ip, m));
  const next = new Array<number>(n).fill(0);
  let filled = 0;
  for (;;) {
    for (let i = 0; i < n; i++) {
      // Each backend's permutation visits every slot once (skip and m are coprime: m prime).
      let c = (offset[i] + next[i] * skip[i]) % m;
      while (entry[c] >= 0) {
        next[i]++;
        c = (offset[i] + next[i] * skip[i]) % m;
      }
      entry[c] = i;
      next[i]++;
      if (++filled === m) return Uint32Array.from(entry);
    }
  }
}
