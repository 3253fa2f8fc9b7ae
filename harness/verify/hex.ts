// Frames in verify's documents: lowercase hex, as the rest of the reports write them.
export function toHexFrame(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
