// bpf/lib/csum.h compiled for the host, fed the inputs where checksum arithmetic has its
// edges (sums that carry twice when folded, the one's-complement zeros, UDP's "none"), must
// give what model/dataplane/csum.ts gives, bit for bit. The differential suites reach these
// edges only by chance (a second fold carries about once in 10^4 headers). TWINPLANE_BPF_SRC
// points at another bpf/ (scripts/mutate-bpf.ts runs this on mutants).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { csum_finish, csum_ipv4_hdr, csum_replace2, csum_replace4, l4_csum_addr, l4_csum_port } from '../../../model/dataplane/csum.ts';

const LIB = resolve(process.env.TWINPLANE_BPF_SRC ?? 'bpf', 'lib');
const DRIVER = `
#include <stdio.h>
#include "csum.h"
/* Per line: op and five numbers; the result in decimal back. 'h' takes the five 32-bit
 * words of a 20-byte IPv4 header, most significant byte first. */
int main(void) {
	char op; unsigned a, b, c, d, e;
	while (scanf(" %c %u %u %u %u %u", &op, &a, &b, &c, &d, &e) == 6) {
		unsigned r = 0;
		unsigned w[5] = { a, b, c, d, e };
		__u8 ip[20];
		for (int i = 0; i < 20; i++)
			ip[i] = (__u8)(w[i / 4] >> (24 - 8 * (i % 4)));
		if (op == 'h') r = csum_ipv4_hdr(ip);
		else if (op == 'f') r = csum_finish(a);
		else if (op == '2') r = csum_replace2((__u16)a, (__u16)b, (__u16)c);
		else if (op == '4') r = csum_replace4((__u16)a, b, c);
		else if (op == 'a') r = l4_csum_addr((__u16)a, b, c, (int)d);
		else if (op == 'p') r = l4_csum_port((__u16)a, (__u16)b, (__u16)c, (int)d);
		printf("%u\\n", r);
	}
	return 0;
}
`;

type Case = [string, number, number, number, number, number];

/** The 20 header bytes of an 'h' case (its five words, most significant byte first). */
function header(words: number[]): Uint8Array {
  const ip = new Uint8Array(20);
  words.forEach((w, i) => new DataView(ip.buffer).setUint32(i * 4, w));
  return ip;
}

function model([op, a, b, c, d, e]: Case): number {
  if (op === 'h') return csum_ipv4_hdr(header([a, b, c, d, e]), 0);
  if (op === 'f') return csum_finish(a);
  if (op === '2') return csum_replace2(a, b, c);
  if (op === '4') return csum_replace4(a, b, c);
  if (op === 'a') return l4_csum_addr(a, b, c, d === 1);
  return l4_csum_port(a, b, c, d === 1);
}

const u16 = fc.oneof(fc.constantFrom(0, 1, 0xfffe, 0xffff, 0x8000), fc.nat({ max: 0xffff }));
const u32 = fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0xffff0000, 0x0000ffff), fc.nat({ max: 0xffffffff }));
// Unfolded sums of up to 30 header words whose first fold carries: low 16 bits near 0xffff.
const sum = fc.oneof(
  fc.record({ hi: fc.integer({ min: 1, max: 0x1d }), lo: fc.integer({ min: 0xffe0, max: 0xffff }) }).map(({ hi, lo }) => hi * 0x10000 + lo),
  fc.nat({ max: 30 * 0xffff }),
);
const cases: fc.Arbitrary<Case> = fc.oneof(
  sum.map((s): Case => ['f', s, 0, 0, 0, 0]),
  fc.tuple(u16, u16, u16).map(([a, b, c]): Case => ['2', a, b, c, 0, 0]),
  fc.tuple(u16, u32, u32).map(([a, b, c]): Case => ['4', a, b, c, 0, 0]),
  fc.tuple(u16, u32, u32, fc.nat({ max: 1 })).map(([a, b, c, d]): Case => ['a', a, b, c, d, 0]),
  fc.tuple(u16, u16, u16, fc.nat({ max: 1 })).map(([a, b, c, d]): Case => ['p', a, b, c, d, 0]),
  fc.tuple(u32, u32, u32, u32, u32).map(([a, b, c, d, e]): Case => ['h', a, b, c, d, e]),
);

describe('bpf/lib/csum.h and model/dataplane/csum.ts agree at the edges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twinplane-csum-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every helper on 20,000 edge-biased inputs, and double-carry folds', () => {
    writeFileSync(join(dir, 'driver.c'), DRIVER);
    const exe = join(dir, 'driver');
    execFileSync('gcc', ['-O2', '-std=gnu11', '-I', LIB, join(dir, 'driver.c'), '-o', exe]);
    const all = fc.sample(cases, { seed: 0x7a6e0006, numRuns: 20_000 });
    // A fold whose first step carries into bit 16 must be folded twice.
    all.push(['f', 0x1d * 0x10000 + 0xfff0, 0, 0, 0, 0], ['f', 0x1ffff, 0, 0, 0, 0]);
    // A header of all ones: its checksum field counts as zero, so the sum is nine 0xffff words.
    all.push(['h', 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
    const out = execFileSync(exe, { input: all.map((c) => c.join(' ')).join('\n') + '\n', maxBuffer: 16 << 20 })
      .toString()
      .trim()
      .split('\n')
      .map(Number);
    expect(out.length).toBe(all.length);
    const bad = all.map((c, i) => ({ c, c_says: out[i], model: model(c) })).filter((x) => x.c_says !== x.model);
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
