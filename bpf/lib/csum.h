/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internet checksums: full (RFC 1071) for the outer IPv4 header we write, incremental
 * (RFC 1624 eqn. 3) for every rewrite of an inner packet. The incremental helpers are
 * Linux's csum_replace2 / csum_replace4 step by step, computed on the numeric values of the
 * big-endian fields, exactly as model/wire/checksum.ts does: both sides must produce the
 * same one of the two one's-complement zeros.
 */
#ifndef TWINPLANE_CSUM_H
#define TWINPLANE_CSUM_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

/* csum16_add: 16-bit one's-complement add with end-around carry. */
static __always_inline __u16 csum16_add(__u16 csum, __u16 addend)
{
	__u16 res = (__u16)(csum + addend);

	return (__u16)(res + (res < addend));
}

/* csum_replace2: checksum `check` after a 16-bit field changes from `from` to `to`. */
static __always_inline __u16 csum_replace2(__u16 check, __u16 from, __u16 to)
{
	return (__u16)~csum16_add(csum16_add((__u16)~check, (__u16)~from), to);
}

/* csum_add: 32-bit one's-complement add with end-around carry. */
static __always_inline __u32 csum_add32(__u32 a, __u32 b)
{
	__u32 res = a + b;

	return res + (res < b);
}

/* csum_fold: 32-bit partial sum to the complemented 16-bit checksum. */
static __always_inline __u16 csum_fold32(__u32 sum)
{
	__u32 s = sum + ((sum >> 16) | (sum << 16));

	return (__u16)~(s >> 16);
}

/* csum_replace4: checksum `check` after a 32-bit field changes from `from` to `to`. */
static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to)
{
	__u32 tmp = csum_add32(~(__u32)check, ~from);

	return csum_fold32(csum_add32(tmp, to));
}

/* UDP keeps 0 ("no checksum") and never lets an update produce 0 (CSUM_MANGLED_0). */
static __always_inline __u16 l4_csum_fixup(__u16 check, __u16 updated, int is_udp)
{
	if (!is_udp)
		return updated;
	if (check == 0)
		return 0;
	return updated == 0 ? 0xffff : updated;
}

/* L4 checksum after an IPv4 address of the pseudo-header changes. */
static __always_inline __u16 l4_csum_addr(__u16 check, __u32 from, __u32 to, int is_udp)
{
	if (is_udp && check == 0)
		return 0;
	return l4_csum_fixup(check, csum_replace4(check, from, to), is_udp);
}

/* L4 checksum after a port changes. */
static __always_inline __u16 l4_csum_port(__u16 check, __u16 from, __u16 to, int is_udp)
{
	if (is_udp && check == 0)
		return 0;
	return l4_csum_fixup(check, csum_replace2(check, from, to), is_udp);
}

/* Adds the big-endian 16-bit word at `w` to a running (unfolded) sum. */
static __always_inline __u32 csum_word(__u32 sum, const __u8 *w)
{
	return sum + (((__u32)w[0] << 8) | w[1]);
}

/* The unfolded sum of a 20-byte IPv4 header's words but its checksum field (which counts as
 * zero). Written out word by word: clang unrolls the loop this was, V8 runs the model's
 * loop with its checks once per word, and both sides stay alike. */
static __always_inline __u32 csum_ipv4_hdr(const __u8 *ip)
{
	__u32 sum = csum_word(0, ip);

	sum = csum_word(sum, ip + 2);
	sum = csum_word(sum, ip + 4);
	sum = csum_word(sum, ip + 6);
	sum = csum_word(sum, ip + 8);
	sum = csum_word(sum, ip + 12);
	sum = csum_word(sum, ip + 14);
	sum = csum_word(sum, ip + 16);
	return csum_word(sum, ip + 18);
}

/* Folds an unfolded sum of at most 2^16 words and complements it: the checksum field. */
static __always_inline __u16 csum_finish(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

#endif /* TWINPLANE_CSUM_H */
