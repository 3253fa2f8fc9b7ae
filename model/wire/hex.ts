// Bytes as lowercase hex text and back: the one formatter for frames in documents, learnt
// map entries keyed by their bytes, and dumps. No Buffer (model/ runs in a browser); a
// table per byte and one join, which is as fast as Buffer's for the short keys it mostly sees.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  // Pieces joined once: string += per byte is quadratic-ish on big frames.
  const parts = new Array<string>(b.length);
  for (let i = 0; i < b.length; i++) parts[i] = HEX[b[i]];
  return parts.join('');
}

/** One byte as two hex digits. */
export function hexByte(b: number): string {
  return HEX[b & 0xff];
}

// The value of each hex digit's character code (lower and upper case); -1 elsewhere.
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Hex text to bytes (a digit that is not hex reads as 0, as parseInt's NaN did). */
export function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >>> 1);
  for (let i = 0; i < out.length; i++) {
    const a = NIBBLE[h.charCodeAt(2 * i) & 0x7f];
    const b = NIBBLE[h.charCodeAt(2 * i + 1) & 0x7f];
    out[i] = a < 0 || b < 0 ? 0 : (a << 4) | b;
  }
  return out;
}
