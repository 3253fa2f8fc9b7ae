// Internet checksums as the programs compute them (bpf/lib/csum.h, line for line): full
// (RFC 1071) for the outer IPv4 header we write, incremental (RFC 1624 eqn. 3) for every
// rewrite of an inner packet. The incremental helpers are Linux's csum_replace2 /
// csum_replace4 step by step, on the numeric values of the big-endian fields, because the
// XDP programs use those: the model must produce the same bytes, including which of the two
// one's-complement zeros (0x0000 / 0xffff) comes out.

/** csum16_add: 16-bit one's-complement add with end-around carry. */
function csum16_add(csum: number, addend: number): number {
  const res = (csum + addend) & 0xffff;
  return (res + (res < addend ? 1 : 0)) & 0xffff;
}

/** csum_replace2: checksum `check` after a 16-bit field changes from `from` to `to`. */
export function csum_replace2(check: number, from: number, to: number): number {
  return ~csum16_add(csum16_add(~check & 0xffff, ~from & 0xffff), to & 0xffff) & 0xffff;
}

/** csum_add: 32-bit one's-complement add with end-around carry. */
function csum_add32(a: number, b: number): number {
  const res = (a + b) >>> 0;
  return (res + (res < b ? 1 : 0)) >>> 0;
}

/** csum_fold: 32-bit partial sum to the complemented 16-bit checksum. */
function csum_fold32(sum: number): number {
  const s = (sum + (((sum >>> 16) | (sum << 16)) >>> 0)) >>> 0;
  return ~(s >>> 16) & 0xffff;
}

/** csum_replace4: checksum `check` after a 32-bit field changes from `from` to `to`. */
export function csum_replace4(check: number, from: number, to: number): number {
  const tmp = csum_add32(~(check & 0xffff) >>> 0, ~from >>> 0);
  return csum_fold32(csum_add32(tmp, to >>> 0));
}

/** UDP keeps 0 ("no checksum") and never lets an update produce 0 (CSUM_MANGLED_0). */
function l4_csum_fixup(check: number, updated: number, is_udp: boolean): number {
  if (!is_udp) return updated;
  if (check === 0) return 0;
  return updated === 0 ? 0xffff : updated;
}

/** L4 checksum after an IPv4 address of the pseudo-header changes. */
export function l4_csum_addr(check: number, from: number, to: number, is_udp: boolean): number {
  if (is_udp && check === 0) return 0;
  return l4_csum_fixup(check, csum_replace4(check, from, to), is_udp);
}

/** L4 checksum after a port changes. */
export function l4_csum_port(check: number, from: number, to: number, is_udp: boolean): number {
  if (is_udp && check === 0) return 0;
  return l4_csum_fixup(check, csum_replace2(check, from, to), is_udp);
}

/** Adds the big-endian 16-bit word at b[w] to a running (unfolded) sum. */
export function csum_word(sum: number, b: Uint8Array, w: number): number {
  return sum + ((b[w] << 8) | b[w + 1]);
}

/**
 * The unfolded sum of the 20-byte IPv4 header at b[ip]: its words but the checksum field
 * (which counts as zero). Written out word by word: clang unrolls the loop this was, V8 runs
 * a loop with its checks once per word, and both sides stay alike.
 */
export function csum_ipv4_hdr(b: Uint8Array, ip: number): number {
  let sum = csum_word(0, b, ip);
  sum = csum_word(sum, b, ip + 2);
  sum = csum_word(sum, b, ip + 4);
  sum = csum_word(sum, b, ip + 6);
  sum = csum_word(sum, b, ip + 8);
  sum = csum_word(sum, b, ip + 12);
  sum = csum_word(sum, b, ip + 14);
  sum = csum_word(sum, b, ip + 16);
  return csum_word(sum, b, ip + 18);
}

/** Folds an unfolded sum of at most 2^16 words and complements it: the checksum field. */
export function csum_finish(sum: number): number {
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
