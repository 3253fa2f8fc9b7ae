/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bob Jenkins' lookup3 hash with the Linux kernel's interface (include/linux/jhash.h):
 * every hash the data plane takes (bouncer choice, outer UDP source port, Maglev
 * backend) goes through here, and model/hash/jhash.ts computes the same values bit for
 * bit. test/model/hash/jhash.test.ts compiles this header with gcc and compares.
 *
 * Byte keys are read as little-endian words. The kernel reads its 12-byte blocks in CPU
 * order (__get_unaligned_cpu32); on the little-endian machines we run on (x86-64, and
 * the bpfel target clang picks there) that is the same thing, and assembling the words
 * from bytes keeps the verifier free of unaligned stack or packet loads.
 *
 * Builds both for BPF (clang -target bpf) and for the host (gcc), so one file serves the
 * programs and the differential test.
 */
#ifndef TWINPLANE_JHASH_H
#define TWINPLANE_JHASH_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* The kernel's arbitrary starting value; part of the hash definition. */
#define JHASH_INITVAL 0xdeadbeefU

/*
 * Longest byte key the BPF build hashes exactly. The verifier wants a bounded loop, and
 * our keys are small fixed structs (flow tuples, endpoint keys); 64 covers them with room.
 * Raise it under #ifndef if a longer key appears. Longer keys are clamped to it in the
 * bounded build, which is why callers must stay below it.
 */
#ifndef JHASH_MAX_KEY_LEN
#define JHASH_MAX_KEY_LEN 64
#endif

/* Blocks the main loop may take: all but the last block, which the tail handles. */
#define JHASH_MAX_BLOCKS ((JHASH_MAX_KEY_LEN + 11) / 12)

/*
 * BPF gets a loop with a constant bound and clamped lengths; the host build (the kernel's
 * exact semantics for any length) is unbounded. The host test can force the bounded form
 * to check it too.
 */
#if defined(__BPF__) || defined(JHASH_FORCE_BOUNDED)
#define JHASH_BOUNDED 1
#define JHASH_BLOCK_LIMIT JHASH_MAX_BLOCKS
#else
#define JHASH_BOUNDED 0
#define JHASH_BLOCK_LIMIT 0xffffffffU /* more blocks than a __u32 length can hold */
#endif

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 7)
#define JHASH_FALLTHROUGH __attribute__((fallthrough))
#else
#define JHASH_FALLTHROUGH do {} while (0)
#endif

static __always_inline __u32 jhash_rol32(__u32 word, unsigned int shift)
{
	return (word << (shift & 31)) | (word >> ((-shift) & 31));
}

/* Little-endian word at k, byte by byte (see the header comment for why). */
static __always_inline __u32 jhash_le32(const __u8 *k)
{
	return (__u32)k[0] | ((__u32)k[1] << 8) | ((__u32)k[2] << 16) | ((__u32)k[3] << 24);
}

/* lookup3's mix(): reversible mixing of three words, once per full block. */
#define __jhash_mix(a, b, c)                                 \
	do {                                                 \
		a -= c; a ^= jhash_rol32(c, 4);  c += b;     \
		b -= a; b ^= jhash_rol32(a, 6);  a += c;     \
		c -= b; c ^= jhash_rol32(b, 8);  b += a;     \
		a -= c; a ^= jhash_rol32(c, 16); c += b;     \
		b -= a; b ^= jhash_rol32(a, 19); a += c;     \
		c -= b; c ^= jhash_rol32(b, 4);  b += a;     \
	} while (0)

/* lookup3's final(): folds (a, b, c) into c after the last block. */
#define __jhash_final(a, b, c)                               \
	do {                                                 \
		c ^= b; c -= jhash_rol32(b, 14);             \
		a ^= c; a -= jhash_rol32(c, 11);             \
		b ^= a; b -= jhash_rol32(a, 25);             \
		c ^= b; c -= jhash_rol32(b, 16);             \
		a ^= c; a -= jhash_rol32(c, 4);              \
		b ^= a; b -= jhash_rol32(a, 14);             \
		c ^= b; c -= jhash_rol32(b, 24);             \
	} while (0)

/* jhash: hash `length` bytes at `key`. Equals lookup3's hashlittle(key, length, initval). */
static __always_inline __u32 jhash(const void *key, __u32 length, __u32 initval)
{
	const __u8 *k = (const __u8 *)key;
	__u32 a, b, c;

#if JHASH_BOUNDED
	if (length > JHASH_MAX_KEY_LEN)
		length = JHASH_MAX_KEY_LEN;
#endif
	a = b = c = JHASH_INITVAL + length + initval;

	/* `> 12`, not `>= 12`: a key of exactly 12n bytes leaves its last block to the tail. */
	for (__u32 i = 0; i < JHASH_BLOCK_LIMIT && length > 12; i++) {
		a += jhash_le32(k);
		b += jhash_le32(k + 4);
		c += jhash_le32(k + 8);
		__jhash_mix(a, b, c);
		length -= 12;
		k += 12;
	}

	switch (length) {
	case 12: c += (__u32)k[11] << 24; JHASH_FALLTHROUGH;
	case 11: c += (__u32)k[10] << 16; JHASH_FALLTHROUGH;
	case 10: c += (__u32)k[9] << 8;   JHASH_FALLTHROUGH;
	case 9:  c += k[8];               JHASH_FALLTHROUGH;
	case 8:  b += (__u32)k[7] << 24;  JHASH_FALLTHROUGH;
	case 7:  b += (__u32)k[6] << 16;  JHASH_FALLTHROUGH;
	case 6:  b += (__u32)k[5] << 8;   JHASH_FALLTHROUGH;
	case 5:  b += k[4];               JHASH_FALLTHROUGH;
	case 4:  a += (__u32)k[3] << 24;  JHASH_FALLTHROUGH;
	case 3:  a += (__u32)k[2] << 16;  JHASH_FALLTHROUGH;
	case 2:  a += (__u32)k[1] << 8;   JHASH_FALLTHROUGH;
	case 1:  a += k[0];
		__jhash_final(a, b, c);
		break;
	default: /* 0: nothing left, and the kernel skips the final mix too */
		break;
	}
	return c;
}

/* jhash2: hash `length` 32-bit words. Equals lookup3's hashword(k, length, initval). */
static __always_inline __u32 jhash2(const __u32 *k, __u32 length, __u32 initval)
{
	__u32 a, b, c;

#if JHASH_BOUNDED
	if (length > JHASH_MAX_KEY_LEN / 4)
		length = JHASH_MAX_KEY_LEN / 4;
#endif
	a = b = c = JHASH_INITVAL + (length << 2) + initval;

	for (__u32 i = 0; i < JHASH_BLOCK_LIMIT && length > 3; i++) {
		a += k[0];
		b += k[1];
		c += k[2];
		__jhash_mix(a, b, c);
		length -= 3;
		k += 3;
	}

	switch (length) {
	case 3: c += k[2]; JHASH_FALLTHROUGH;
	case 2: b += k[1]; JHASH_FALLTHROUGH;
	case 1: a += k[0];
		__jhash_final(a, b, c);
		break;
	default:
		break;
	}
	return c;
}

/* Exactly 1, 2 or 3 words: the state starts from the words themselves, no mix. */
static __always_inline __u32 __jhash_nwords(__u32 a, __u32 b, __u32 c, __u32 initval)
{
	a += initval;
	b += initval;
	c += initval;
	__jhash_final(a, b, c);
	return c;
}

static __always_inline __u32 jhash_3words(__u32 a, __u32 b, __u32 c, __u32 initval)
{
	return __jhash_nwords(a, b, c, initval + JHASH_INITVAL + (3 << 2));
}

static __always_inline __u32 jhash_2words(__u32 a, __u32 b, __u32 initval)
{
	return __jhash_nwords(a, b, 0, initval + JHASH_INITVAL + (2 << 2));
}

static __always_inline __u32 jhash_1word(__u32 a, __u32 initval)
{
	return __jhash_nwords(a, 0, 0, initval + JHASH_INITVAL + (1 << 2));
}

#endif /* TWINPLANE_JHASH_H */
