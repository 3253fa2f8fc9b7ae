// Hashes per second of the TypeScript jhash for the key shapes the data plane hashes:
// a 5-tuple-sized byte key (13 bytes, one mix plus a tail), a 64-byte key (the BPF build's
// limit), the 3-word form and a 4-word jhash2. The keys vary per call so nothing folds.
import { emit, note, rate } from './emit.ts';
import { jhash, jhash2, jhash3words } from '../model/hash/jhash.ts';

const BATCH = 1024;

function byteKeys(len: number): Uint8Array[] {
  return Array.from({ length: BATCH }, (_, i) => new Uint8Array(len).map((_, j) => (i * 131 + j * 17) & 0xff));
}

let sink = 0; // consumed below so the hashing cannot be optimised away

for (const len of [13, 64]) {
  const keys = byteKeys(len);
  const r = rate(() => {
    for (let i = 0; i < BATCH; i++) sink ^= jhash(keys[i], i);
    return BATCH;
  });
  emit({ bench: 'jhash', metric: `jhash_${len}B`, value: Math.round(r.opsPerSec), unit: 'hashes/s', params: { keyBytes: len } });
}

{
  const r = rate(() => {
    for (let i = 0; i < BATCH; i++) sink ^= jhash3words(i, i * 3, i * 7, 0x1234);
    return BATCH;
  });
  emit({ bench: 'jhash', metric: 'jhash_3words', value: Math.round(r.opsPerSec), unit: 'hashes/s' });
}

{
  const words = Array.from({ length: BATCH }, (_, i) => Uint32Array.of(i, i * 3, i * 7, i * 11));
  const r = rate(() => {
    for (let i = 0; i < BATCH; i++) sink ^= jhash2(words[i], 0);
    return BATCH;
  });
  emit({ bench: 'jhash', metric: 'jhash2_4words', value: Math.round(r.opsPerSec), unit: 'hashes/s', params: { words: 4 } });
}

note(`jhash bench done (checksum ${sink >>> 0})`);
