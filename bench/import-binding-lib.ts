// A hot helper for bench/import-binding.ts: what a program module imports from parse.ts.
export function rd16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}
