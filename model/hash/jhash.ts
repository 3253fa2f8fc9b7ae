// The kernel's jhash (Bob Jenkins' lookup3, include/linux/jhash.h) on u32 numbers. Every
// hash the data plane takes goes through here and through bpf/lib/jhash.h; the two must
// agree bit for bit (test/model/hash/jhash.test.ts compiles the header and compares).
//
// Byte keys are read as little-endian words whatever the host: the kernel reads blocks in
// CPU order, and the data plane runs on little-endian machines (x86-64, bpfel), so this
// is what the XDP programs compute. On those machines jhash equals lookup3's hashlittle
// and jhash2 equals hashword.

/** The kernel's arbitrary starting value; part of the hash definition. */
export const JHASH_INITVAL = 0xdeadbeef;

/** The rotation as an int32 (the same 32 bits; the callers mix it with int32 operators). */
function rol32(word: number, shift: number): number {
  return (word << shift) | (word >>> (32 - shift));
}

/** The (a, b, c) state, mutable so mix and final work in place like the C macros. */
export interface JhashState {
  a: number;
  b: number;
  c: number;
}

/** lookup3's mix(): reversible mixing of three words, once per full block. */
export function jhashMix(s: JhashState): void {
  let { a, b, c } = s;
  a = (a - c) | 0;
  a ^= rol32(c, 4);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= rol32(a, 6);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= rol32(b, 8);
  b = (b + a) | 0;
  a = (a - c) | 0;
  a ^= rol32(c, 16);
  c = (c + b) | 0;
  b = (b - a) | 0;
  b ^= rol32(a, 19);
  a = (a + c) | 0;
  c = (c - b) | 0;
  c ^= rol32(b, 4);
  b = (b + a) | 0;
  s.a = a >>> 0;
  s.b = b >>> 0;
  s.c = c >>> 0;
}

/** lookup3's final(): folds (a, b, c) into c after the last block. */
export function jhashFinal(s: JhashState): void {
  final3(s.a, s.b, s.c, s);
}

/**
 * final() on three int32 locals, returning c and writing all three into `out` when given:
 * the one body of both jhashFinal and the 1-3 word hashes, which pass no state (the data
 * plane hashes every packet through those, and locals cost half what a state object does).
 */
function final3(a: number, b: number, c: number, out: JhashState | null): number {
  c ^= b;
  c = (c - rol32(b, 14)) | 0;
  a ^= c;
  a = (a - rol32(c, 11)) | 0;
  b ^= a;
  b = (b - rol32(a, 25)) | 0;
  c ^= b;
  c = (c - rol32(b, 16)) | 0;
  a ^= c;
  a = (a - rol32(c, 4)) | 0;
  b ^= a;
  b = (b - rol32(a, 14)) | 0;
  c ^= b;
  c = (c - rol32(b, 24)) | 0;
  if (out !== null) {
    out.a = a >>> 0;
    out.b = b >>> 0;
    out.c = c >>> 0;
  }
  return c >>> 0;
}

function le32(k: Uint8Array, i: number): number {
  return (k[i] | (k[i + 1] << 8) | (k[i + 2] << 16) | (k[i + 3] << 24)) >>> 0;
}

/** jhash(key, key.length, initval): hash the bytes of `key` (use subarray for a part). */
export function jhash(key: Uint8Array, initval = 0): number {
  let length = key.length;
  const init = (JHASH_INITVAL + length + initval) >>> 0;
  const s: JhashState = { a: init, b: init, c: init };
  let i = 0;
  // `> 12`, not `>= 12`: a key of exactly 12n bytes leaves its last block to the tail.
  while (length > 12) {
    s.a = (s.a + le32(key, i)) >>> 0;
    s.b = (s.b + le32(key, i + 4)) >>> 0;
    s.c = (s.c + le32(key, i + 8)) >>> 0;
    jhashMix(s);
    length -= 12;
    i += 12;
  }
  if (length === 0) return s.c; // the kernel skips the final mix for an empty tail
  // The tail: the C switch's fall-through, byte by byte, little-endian within each word.
  let a = 0;
  let b = 0;
  let c = 0;
  for (let j = length - 1; j >= 0; j--) {
    const v = key[i + j] * 2 ** (8 * (j % 4));
    if (j >= 8) c += v;
    else if (j >= 4) b += v;
    else a += v;
  }
  s.a = (s.a + a) >>> 0;
  s.b = (s.b + b) >>> 0;
  s.c = (s.c + c) >>> 0;
  jhashFinal(s);
  return s.c;
}

/** jhash2(k, k.length, initval): hash an array of u32 words. */
export function jhash2(k: ArrayLike<number>, initval = 0): number {
  let length = k.length;
  const init = (JHASH_INITVAL + ((length << 2) >>> 0) + initval) >>> 0;
  const s: JhashState = { a: init, b: init, c: init };
  let i = 0;
  while (length > 3) {
    s.a = (s.a + k[i]) >>> 0;
    s.b = (s.b + k[i + 1]) >>> 0;
    s.c = (s.c + k[i + 2]) >>> 0;
    jhashMix(s);
    length -= 3;
    i += 3;
  }
  if (length === 0) return s.c;
  if (length >= 3) s.c = (s.c + k[i + 2]) >>> 0;
  if (length >= 2) s.b = (s.b + k[i + 1]) >>> 0;
  s.a = (s.a + k[i]) >>> 0;
  jhashFinal(s);
  return s.c;
}

/** Exactly 1, 2 or 3 words: the state starts from the words themselves, no mix. */
function jhashNwords(a: number, b: number, c: number, initval: number): number {
  return final3((a + initval) | 0, (b + initval) | 0, (c + initval) | 0, null);
}

export function jhash3words(a: number, b: number, c: number, initval = 0): number {
  return jhashNwords(a, b, c, (initval + JHASH_INITVAL + (3 << 2)) >>> 0);
}

export function jhash2words(a: number, b: number, initval = 0): number {
  return jhashNwords(a, b, 0, (initval + JHASH_INITVAL + (2 << 2)) >>> 0);
}

export function jhash1word(a: number, initval = 0): number {
  return jhashNwords(a, 0, 0, (initval + JHASH_INITVAL + (1 << 2)) >>> 0);
}
