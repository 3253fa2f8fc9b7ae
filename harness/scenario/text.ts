// Scenario bytes to text, refusing what is not a scenario before YAML sees it: bytes that
// are not UTF-8 (Latin-1, UTF-16, overlong forms, surrogates, past U+10FFFF, cut short) by
// their byte offset, binary files (a capture given by mistake) without echoing them, and
// files far larger than any scenario. TextDecoder would quietly put U+FFFD in their place.

/** A scenario of the largest shipped shape is a few KB; 8 MB (some 200,000 lines) is a generous ceiling. */
export const MAX_SCENARIO_BYTES = 8 * 1024 * 1024;

export interface TextProblem {
  /** 0-based byte offset of the first offending byte. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export type TextResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: TextProblem };

const hex2 = (b: number): string => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;

/** Offset and reason of the first byte sequence that is not UTF-8, or undefined. */
export function firstNonUtf8(b: Uint8Array): { offset: number; why: string } | undefined {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [need, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [need, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [need, min] = [3, 0x10000];
    else if (c === 0xc0 || c === 0xc1) return { offset: i, why: `byte ${hex2(c)} starts an overlong encoding` };
    else if (c >= 0x80 && c <= 0xbf) return { offset: i, why: `byte ${hex2(c)} continues a character that never started` };
    else return { offset: i, why: `byte ${hex2(c)} never occurs in UTF-8` };
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { offset: i, why: `the file ends inside a ${need + 1}-byte character` };
      const d = b[i + k];
      if ((d & 0xc0) !== 0x80)
        return {
          offset: i,
          why: `byte ${hex2(c)} starts a ${need + 1}-byte character, but ${hex2(d)} follows (Latin-1 or another encoding?)`,
        };
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min) return { offset: i, why: `an overlong encoding of U+${cp.toString(16).toUpperCase().padStart(4, '0')}` };
    if (cp >= 0xd800 && cp <= 0xdfff)
      return { offset: i, why: `an encoded surrogate U+${cp.toString(16).toUpperCase()} (UTF-16 leaking through)` };
    if (cp > 0x10ffff) return { offset: i, why: `a code point past U+10FFFF` };
    i += need + 1;
  }
  return undefined;
}

function position(b: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // Columns count characters: continuation bytes do not start one.
  let column = 1;
  for (let i = lineStart; i < offset; i++) if ((b[i] & 0xc0) !== 0x80) column++;
  return { line, column };
}

/** A NUL or most control bytes in the first 8 KB: a binary file, not YAML. */
function looksBinary(b: Uint8Array): number | undefined {
  const end = Math.min(b.length, 8192);
  for (let i = 0; i < end; i++) {
    const c = b[i];
    if (c === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b)) return i;
  }
  return undefined;
}

export function scenarioText(b: Uint8Array): TextResult {
  if (b.length > MAX_SCENARIO_BYTES) {
    return {
      ok: false,
      problem: {
        offset: MAX_SCENARIO_BYTES,
        line: 1,
        column: 1,
        message: `${b.length} bytes is not a scenario (at most ${MAX_SCENARIO_BYTES}; a large cluster is a provision step, not a long file)`,
      },
    };
  }
  const bin = looksBinary(b);
  if (bin !== undefined) {
    return {
      ok: false,
      problem: {
        offset: bin,
        ...position(b, bin),
        message: `not a text file: control byte ${hex2(b[bin])} at byte offset ${bin} (a capture? twinplane decode and replay read those)`,
      },
    };
  }
  const bad = firstNonUtf8(b);
  if (bad !== undefined) {
    return {
      ok: false,
      problem: { offset: bad.offset, ...position(b, bad.offset), message: `not UTF-8 at byte offset ${bad.offset}: ${bad.why}` },
    };
  }
  // A UTF-8 byte-order mark is legal but says nothing; YAML need not see it.
  const start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  return { ok: true, text: new TextDecoder('utf-8').decode(b.subarray(start)) };
}
