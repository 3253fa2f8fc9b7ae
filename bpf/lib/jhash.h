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
 * Raise it under #ifndef if a longer key appears (a power of two: reads are masked with
 * it). Longer keys are clamped to it in the bounded build, so callers must stay below it.
 * With a constant length everything folds away; with a length known only at run time the
 * key must live in a buffer of JHASH_MAX_KEY_LEN bytes (JHASH_MAX_KEY_LEN / 4 words for
 * jhash2), since the verifier cannot rule out a masked read anywhere in that range.
 */
#ifndef JHASH_MAX_KEY_LEN
#define JHASH_MAX_KEY_LEN 64
#endif

/*
 * Iterations the main loop can take for a key of at most JHASH_MAX_KEY_LEN bytes: every
 * full block but the last, which the tail handles, so (len - 1) / 12. Exactly that, not
 * one more: the verifier walks every iteration the bound allows and rejects a block read
 * past the key even on an iteration no real length reaches.
 */
#define JHASH_MAX_BLOCKS ((JHASH_MAX_KEY_LEN - 1) / 12)

/*
 * BPF gets a loop with a constant bound and clamped lengths; the host build (the kernel's
 * exact semantics for any length) is unbounded. The host test can force the bounded form
 * to check it too.
 */
#if defined(__BPF__) || defined(JHASH_FORCE_BOUNDED)
#define JHASH_BOUNDED 1
_Static_assert((JHASH_MAX_KEY_LEN & (JHASH_MAX_KEY_LEN - 1)) == 0, "JHASH_MAX_KEY_LEN must be a power of two");
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

/*
 * Byte i of the key. The bounded build masks the index: the verifier then sees every read
 * inside the key buffer without having to follow `length` through the loop and the tail
 * switch (it does not: clang keeps the count in several registers). The mask never
 * changes a result, since lengths are clamped to JHASH_MAX_KEY_LEN, a power of two.
 */
static __always_inline __u32 jhash_byte(const __u8 *key, __u32 i)
{
#if JHASH_BOUNDED
	return key[i & (JHASH_MAX_KEY_LEN - 1)];
#else
	return key[i];
#endif
}

/* Word i of a jhash2 key, masked in the bounded build like jhash_byte. */
#define JHASH_MAX_WORDS (JHASH_MAX_KEY_LEN / 4)
static __always_inline __u32 jhash_word(const __u32 *k, __u32 i)
{
#if JHASH_BOUNDED
	return k[i & (JHASH_MAX_WORDS - 1)];
#else
	return k[i];
#endif
}

/* Little-endian word at byte i, byte by byte (see the header comment for why). */
static __always_inline __u32 jhash_le32(const __u8 *key, __u32 i)
{
	return jhash_byte(key, i) | (jhash_byte(key, i + 1) << 8) | (jhash_byte(key, i + 2) << 16) |
	       (jhash_byte(key, i + 3) << 24);
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
	__u32 a, b, c, o = 0; /* o: offset of the current block */

#if JHASH_BOUNDED
	if (length > JHASH_MAX_KEY_LEN)
		length = JHASH_MAX_KEY_LEN;
#endif
	a = b = c = JHASH_INITVAL + length + initval;

	/* `> 12`, not `>= 12`: a key of exactly 12n bytes leaves its last block to the tail. */
	for (__u32 i = 0; i < JHASH_BLOCK_LIMIT && length > 12; i++) {
		a += jhash_le32(k, o);
		b += jhash_le32(k, o + 4);
		c += jhash_le32(k, o + 8);
		__jhash_mix(a, b, c);
		length -= 12;
		o += 12;
	}

	switch (length) {
	case 12: c += jhash_byte(k, o + 11) << 24; JHASH_FALLTHROUGH;
	case 11: c += jhash_byte(k, o + 10) << 16; JHASH_FALLTHROUGH;
	case 10: c += jhash_byte(k, o + 9) << 8;   JHASH_FALLTHROUGH;
	case 9:  c += jhash_byte(k, o + 8);        JHASH_FALLTHROUGH;
	case 8:  b += jhash_byte(k, o + 7) << 24;  JHASH_FALLTHROUGH;
	case 7:  b += jhash_byte(k, o + 6) << 16;  JHASH_FALLTHROUGH;
	case 6:  b += jhash_byte(k, o + 5) << 8;   JHASH_FALLTHROUGH;
	case 5:  b += jhash_byte(k, o + 4);        JHASH_FALLTHROUGH;
	case 4:  a += jhash_byte(k, o + 3) << 24;  JHASH_FALLTHROUGH;
	case 3:  a += jhash_byte(k, o + 2) << 16;  JHASH_FALLTHROUGH;
	case 2:  a += jhash_byte(k, o + 1) << 8;   JHASH_FALLTHROUGH;
	case 1:  a += jhash_byte(k, o);
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
	__u32 a, b, c, o = 0; /* o: index of the current block's first word */

#if JHASH_BOUNDED
	if (length > JHASH_MAX_WORDS)
		length = JHASH_MAX_WORDS;
#endif
	a = b = c = JHASH_INITVAL + (length << 2) + initval;

	for (__u32 i = 0; i < JHASH_BLOCK_LIMIT && length > 3; i++) {
		a += jhash_word(k, o);
		b += jhash_word(k, o + 1);
		c += jhash_word(k, o + 2);
		__jhash_mix(a, b, c);
		length -= 3;
		o += 3;
	}

	switch (length) {
	case 3: c += jhash_word(k, o + 2); JHASH_FALLTHROUGH;
	case 2: b += jhash_word(k, o + 1); JHASH_FALLTHROUGH;
	case 1: a += jhash_word(k, o);
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
