// Scenario bytes are UTF-8 text or refused with the offset of the first bad byte; binary
// files are refused without being echoed; problems are capped at the first hundred in file
// order and a count, so a file with a hundred thousand mistakes costs bounded memory.
import { describe, expect, it } from 'vitest';
import { firstNonUtf8, scenarioText, MAX_SCENARIO_BYTES } from '../../../harness/scenario/text.ts';
import { IssueList, MAX_ISSUES, ScenarioError, parseScenario } from '../../../harness/scenario/load.ts';

const enc = (s: string): number[] => [...new TextEncoder().encode(s)];
const bytes = (...parts: (string | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? enc(p) : p)));

describe('firstNonUtf8', () => {
  it.each([
    ['Latin-1 é in a comment', bytes('name: x # caf', [0xe9], '\n'), 13, /^byte 0xE9 starts a 3-byte character, but 0x0A follows/],
    ['UTF-16 BOM FF FE in a string', bytes('name: "', [0xff, 0xfe], '"'), 7, /byte 0xFF never occurs in UTF-8/],
    ['overlong slash C0 AF', bytes('a', [0xc0, 0xaf]), 1, /overlong/],
    ['overlong three-byte E0 80 AF', bytes('ab', [0xe0, 0x80, 0xaf]), 2, /overlong encoding of U\+002F/],
    ['encoded surrogate ED A0 80', bytes('abc', [0xed, 0xa0, 0x80]), 3, /surrogate U\+D800/],
    ['past U+10FFFF: F4 90 80 80', bytes([0xf4, 0x90, 0x80, 0x80]), 0, /past U\+10FFFF/],
    ['a lone continuation byte', bytes('x', [0x80]), 1, /continues a character that never started/],
    ['cut short at the end', bytes('x', [0xe2, 0x82]), 1, /ends inside a 3-byte character/],
  ])('%s: offset %#', (_what, b, offset, why) => {
    const r = firstNonUtf8(b);
    expect(r?.offset).toBe(offset);
    expect(r?.why).toMatch(why);
  });

  it('accepts every valid form: ASCII, 2-, 3- and 4-byte characters, the BOM', () => {
    expect(firstNonUtf8(bytes('name: café ✓ 𝄞 中文'))).toBeUndefined();
    const r = scenarioText(bytes([0xef, 0xbb, 0xbf], 'name: x'));
    expect(r).toEqual({ ok: true, text: 'name: x' });
  });
});

describe('scenarioText', () => {
  it('refuses bytes that are not UTF-8 at their line and column', () => {
    const r = scenarioText(bytes('name: x\nhosts:\n  - { name: caf', [0xe9], ' }\n'));
    expect(r).toEqual({
      ok: false,
      problem: { offset: 30, line: 3, column: 16, message: expect.stringMatching(/^not UTF-8 at byte offset 30: /) },
    });
  });

  it('refuses a binary file without quoting it', () => {
    const r = scenarioText(Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.problem.message).toBe(
        'not a text file: control byte 0x02 at byte offset 4 (a capture? twinplane decode and replay read those)',
      );
  });

  it('refuses a file larger than any scenario', () => {
    const r = scenarioText(new Uint8Array(MAX_SCENARIO_BYTES + 1).fill(0x20));
    expect(r.ok).toBe(false);
  });
});

describe('capped problems', () => {
  it('a file with 20,000 mistakes: the first hundred in file order and the count', () => {
    const text = ['name: big', 'hosts:', ...Array.from({ length: 20_000 }, (_, i) => `  - { name: h${i}, ip: 999.0.0.${i % 250} }`)].join(
      '\n',
    );
    let err: unknown;
    try {
      parseScenario(text, 'big.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const e = err as ScenarioError;
    expect(e.total).toBe(20_000);
    expect(e.issues).toHaveLength(MAX_ISSUES);
    expect(e.issues.map((i) => i.line)).toEqual(Array.from({ length: MAX_ISSUES }, (_, i) => i + 3));
    expect(e.message.split('\n').at(-1)).toBe('… and 19900 more problems (the first 100 are shown)');
  });

  it('IssueList keeps the earliest by position whatever order they come in', () => {
    const l = new IssueList(3);
    for (const line of [9, 2, 7, 1, 8, 3]) l.push({ file: 'f', line, column: 1, path: 'p', message: 'm' });
    expect(l.list().map((i) => i.line)).toEqual([1, 2, 3]);
    expect(l.total).toBe(6);
  });
});
