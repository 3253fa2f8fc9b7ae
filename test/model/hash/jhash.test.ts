import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JHASH_INITVAL, jhash, jhash1word, jhash2, jhash2words, jhash3words, jhashFinal, jhashMix } from '../../../model/hash/jhash.ts';
import { describeBpf } from '../../support/bpf-gate.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (n: number): string => n.toString(16).padStart(8, '0');

// Bob Jenkins' driver5 in lookup3.c prints these for hashlittle. The kernel's jhash is
// hashlittle on a little-endian machine: the same `length > 12` loop, the same
// fall-through tail, and `case 0` returning c without final() in both. So every
// hashlittle vector with a single initval (pc only, *pb = 0) applies; the hashlittle2
// vectors with a nonzero *pb do not (pb seeds c, which jhash has no way to express).
describe('jhash: published lookup3 vectors', () => {
  it('hashes the empty key to the initial state without a final mix', () => {
    expect(jhash(new Uint8Array(0), 0)).toBe(0xdeadbeef);
    expect(jhash(new Uint8Array(0), 1)).toBe((JHASH_INITVAL + 1) >>> 0);
  });

  it('matches driver5 for "Four score and seven years ago"', () => {
    const key = ascii('Four score and seven years ago');
    expect(key.length).toBe(30);
    expect(hex(jhash(key, 0))).toBe('17770551');
    expect(hex(jhash(key, 1))).toBe('cd628161');
  });

  // A 12-byte key exercises the multiple-of-12 path: no mix, the whole key in the tail.
  // Values as published for hashlittle("hello world", 12, ...) in a lookup3 port's test
  // table (the C literal's NUL terminator is the 12th byte).
  it('matches hashlittle for a key of exactly 12 bytes', () => {
    const key = ascii('hello world\0');
    expect(hex(jhash(key, 0))).toBe('14973b58');
    expect(hex(jhash(key, 1))).toBe('4746e99f');
  });

  // hashword() values from the same table: jhash2 is hashword.
  it('matches hashword for jhash2', () => {
    expect(hex(jhash2([1], 0))).toBe('72a82a9b');
    expect(hex(jhash2([1, 2], 1))).toBe('73989811');
    expect(hex(jhash2([1, 2, 3], 0))).toBe('a46158f5');
    expect(hex(jhash2([1, 2, 3, 4], 1))).toBe('044ec9ea');
    expect(hex(jhash2([1, 2, 3, 4, 5], 2))).toBe('39a100d5');
    expect(jhash2([], 7)).toBe((JHASH_INITVAL + 7) >>> 0);
  });

  it('matches the published mix() and final() steps', () => {
    const s = { a: 0xdeadbeef, b: 0xdeadbeef, c: 0xdeadbeef };
    jhashMix(s);
    expect([s.a, s.b, s.c].map(hex)).toEqual(['108a17ff', 'c0bfb8ee', '8c37cf7c']);
    const f = { a: 1, b: 1, c: 1 };
    jhashFinal(f);
    expect([f.a, f.b, f.c].map(hex)).toEqual(['b1881916', '462df523', 'ec1761c6']);
  });
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });

describe('jhash: internal agreement', () => {
  // A key of 4n bytes read as little-endian words is the same hash through either entry.
  it('jhash over 4n bytes equals jhash2 over their little-endian words', () => {
    fc.assert(
      fc.property(fc.array(u32, { maxLength: 20 }), u32, (words, init) => {
        const bytes = new Uint8Array(words.length * 4);
        const dv = new DataView(bytes.buffer);
        words.forEach((w, i) => dv.setUint32(i * 4, w, true));
        return jhash(bytes, init) === jhash2(words, init);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('jhash_Nwords equal jhash2 over the same N words', () => {
    fc.assert(
      fc.property(u32, u32, u32, u32, (a, b, c, init) => {
        expect(jhash3words(a, b, c, init)).toBe(jhash2([a, b, c], init));
        expect(jhash2words(a, b, init)).toBe(jhash2([a, b], init));
        expect(jhash1word(a, init)).toBe(jhash2([a], init));
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it('returns u32 values and depends on every byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64, size: 'max' }), fc.nat(), u32, (key, at, init) => {
        const h = jhash(key, init);
        expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
        const flipped = key.slice();
        flipped[at % key.length] ^= 0x01;
        // lookup3 is not a permutation of keys, but a one-bit flip colliding is ~2^-32.
        expect(jhash(flipped, init)).not.toBe(h);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

// The header the XDP programs include, compiled for the host and fed the same inputs.
const header = resolve('bpf/lib/jhash.h');
const DRIVER = `
#include <stdio.h>
#include <string.h>
#include "jhash.h"

/* One request per line, one hex hash per line back:
 *   B <init> <hexbytes|->   jhash over the bytes
 *   W <init> <n> <w>...     jhash2 over n words
 *   3 <a> <b> <c> <init>    jhash_3words
 *   2 <a> <b> <init>        jhash_2words
 *   1 <a> <init>            jhash_1word
 * Numbers are hex. */
static int nib(int c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

int main(void)
{
	static char line[1 << 16];
	static __u8 key[4096];
	static __u32 words[1024];
	while (fgets(line, sizeof line, stdin)) {
		char *p = line;
		unsigned a, b, c, init, n;
		int used;
		switch (line[0]) {
		case 'B': {
			char bytes[8200];
			if (sscanf(p + 2, "%x %8199s", &init, bytes) != 2) return 2;
			size_t len = strcmp(bytes, "-") == 0 ? 0 : strlen(bytes) / 2;
			for (size_t i = 0; i < len; i++)
				key[i] = (__u8)(nib(bytes[2 * i]) << 4 | nib(bytes[2 * i + 1]));
			printf("%08x\\n", jhash(key, (__u32)len, init));
			break;
		}
		case 'W':
			p += 2;
			if (sscanf(p, "%x %x%n", &init, &n, &used) != 2 || n > 1024) return 2;
			p += used;
			for (unsigned i = 0; i < n; i++) {
				if (sscanf(p, "%x%n", &words[i], &used) != 1) return 2;
				p += used;
			}
			printf("%08x\\n", jhash2(words, n, init));
			break;
		case '3':
			if (sscanf(p + 2, "%x %x %x %x", &a, &b, &c, &init) != 4) return 2;
			printf("%08x\\n", jhash_3words(a, b, c, init));
			break;
		case '2':
			if (sscanf(p + 2, "%x %x %x", &a, &b, &init) != 3) return 2;
			printf("%08x\\n", jhash_2words(a, b, init));
			break;
		case '1':
			if (sscanf(p + 2, "%x %x", &a, &init) != 2) return 2;
			printf("%08x\\n", jhash_1word(a, init));
			break;
		default:
			return 2;
		}
	}
	return 0;
}
`;

// The header in an XDP program with runtime lengths (the bounded loop and masked reads),
// for the verifier to judge: it must accept every path, not just the ones we test.
const BPF_PROBE = `
#include <linux/bpf.h>
#include "jhash.h"
__attribute__((section("xdp"), used))
int probe(struct xdp_md *ctx)
{
	__u8 key[JHASH_MAX_KEY_LEN] = { 1, 2, 3 };
	__u32 w[JHASH_MAX_KEY_LEN / 4] = { ctx->ingress_ifindex, 2, 3, 4 };
	__u32 len = ctx->rx_queue_index;
	key[5] = (__u8)len;
	return (int)((jhash(key, len, ctx->ingress_ifindex) ^ jhash2(w, len, 0) ^
		      jhash_3words(1, 2, 3, len) ^ jhash_2words(len, 2, 3) ^ jhash_1word(len, 2)) & 3);
}
char _license[] __attribute__((section("license"), used)) = "GPL";
`;

type Case =
  | { kind: 'B'; init: number; key: Uint8Array }
  | { kind: 'W'; init: number; words: number[] }
  | { kind: '3'; a: number; b: number; c: number; init: number }
  | { kind: '2'; a: number; b: number; init: number }
  | { kind: '1'; a: number; init: number };

function request(c: Case): string {
  const h = (n: number): string => n.toString(16);
  switch (c.kind) {
    case 'B':
      return `B ${h(c.init)} ${c.key.length === 0 ? '-' : Buffer.from(c.key).toString('hex')}`;
    case 'W':
      return `W ${h(c.init)} ${h(c.words.length)} ${c.words.map(h).join(' ')}`.trimEnd();
    case '3':
      return `3 ${h(c.a)} ${h(c.b)} ${h(c.c)} ${h(c.init)}`;
    case '2':
      return `2 ${h(c.a)} ${h(c.b)} ${h(c.init)}`;
    case '1':
      return `1 ${h(c.a)} ${h(c.init)}`;
  }
}

function model(c: Case): number {
  switch (c.kind) {
    case 'B':
      return jhash(c.key, c.init);
    case 'W':
      return jhash2(c.words, c.init);
    case '3':
      return jhash3words(c.a, c.b, c.c, c.init);
    case '2':
      return jhash2words(c.a, c.b, c.init);
    case '1':
      return jhash1word(c.a, c.init);
  }
}

// Initvals biased towards the edges where carries and wrap-around live.
const initval = fc.oneof(u32, fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x21524110));

const N = 10_000;
function cases(): Case[] {
  const bytes = fc.sample(
    fc.record({ kind: fc.constant('B' as const), init: initval, key: fc.uint8Array({ maxLength: 64, size: 'max' }) }),
    { seed: 42, numRuns: N },
  );
  // Every length 0..64 at least a few times, whatever the sampler favours.
  const lengths: Case[] = [];
  for (let len = 0; len <= 64; len++) {
    for (let r = 0; r < 4; r++) {
      const key = new Uint8Array(len).map((_, i) => (i * 31 + len * 7 + r * 101) & 0xff);
      lengths.push({ kind: 'B', init: r * 0x40000001, key });
    }
  }
  const words = fc.sample(
    fc.record({ kind: fc.constant('W' as const), init: initval, words: fc.array(u32, { maxLength: 16, size: 'max' }) }),
    { seed: 43, numRuns: N },
  );
  const three = fc.sample(fc.record({ kind: fc.constant('3' as const), a: u32, b: u32, c: u32, init: initval }), {
    seed: 44,
    numRuns: N,
  });
  const two = fc.sample(fc.record({ kind: fc.constant('2' as const), a: u32, b: u32, init: initval }), {
    seed: 45,
    numRuns: N,
  });
  const one = fc.sample(fc.record({ kind: fc.constant('1' as const), a: u32, init: initval }), { seed: 46, numRuns: N });
  return [...bytes, ...lengths, ...words, ...three, ...two, ...one];
}

describe('jhash: TypeScript and bpf/lib/jhash.h agree bit for bit', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'twinplane-jhash-'));
    writeFileSync(join(dir, 'driver.c'), DRIVER);
    writeFileSync(join(dir, 'probe.c'), BPF_PROBE);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const all = cases();
  const input = all.map(request).join('\n') + '\n';

  // Two builds: the host's unbounded loop, and the bounded loop the BPF build uses.
  for (const variant of [[], ['-DJHASH_FORCE_BOUNDED']]) {
    it(`agrees on ${all.length} inputs (gcc ${variant.join(' ') || 'unbounded'})`, () => {
      const exe = join(dir, `driver${variant.length}`);
      const cflags = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-I', resolve(header, '..')];
      execFileSync('gcc', [...cflags, ...variant, join(dir, 'driver.c'), '-o', exe]);
      const out = execFileSync(exe, { input, maxBuffer: 64 << 20 })
        .toString()
        .trim()
        .split('\n');
      expect(out.length).toBe(all.length);
      const firstBad = all.findIndex((c, i) => out[i] !== hex(model(c)));
      // Name the input, not just the index, so a failure can be reproduced by hand.
      expect(firstBad === -1 ? 'all equal' : `${request(all[firstBad])} -> C ${out[firstBad]}, TS ${hex(model(all[firstBad]))}`).toBe(
        'all equal',
      );
    });
  }

  describeBpf('in BPF', () => {
    it('builds for the BPF target and passes the verifier with runtime key lengths', () => {
      const arch = execFileSync('uname', ['-m']).toString().trim();
      const obj = join(dir, 'probe.o');
      execFileSync('clang', [
        '-O2',
        '-g',
        '-target',
        'bpf',
        '-Wall',
        '-Wextra',
        '-Werror',
        `-I/usr/include/${arch}-linux-gnu`,
        '-I',
        resolve(header, '..'),
        '-c',
        join(dir, 'probe.c'),
        '-o',
        obj,
      ]);
      // bpftool loads only to a pin path; bpffs is where it lives (mount it if a fresh
      // machine has not). The pin goes away right after.
      execFileSync('sh', ['-c', 'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf']);
      const pin = `/sys/fs/bpf/twinplane_jhash_probe_${process.pid}`;
      try {
        const r = spawnSync('bpftool', ['prog', 'load', obj, pin, 'type', 'xdp'], { encoding: 'utf8', maxBuffer: 64 << 20 });
        const log = `${r.stdout}${r.stderr}`;
        // On rejection, show the verifier's reason rather than a bare exit status.
        expect(
          r.status,
          log
            .split('\n')
            .filter((l) => !l.startsWith('mark_precise'))
            .slice(-8)
            .join('\n'),
        ).toBe(0);
      } finally {
        rmSync(pin, { force: true });
      }
    });
  });
});
