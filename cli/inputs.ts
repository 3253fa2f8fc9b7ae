// Input files checked before work: there, a file (not a folder), readable. Messages in
// words, naming the file and what it is for.
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { UserError, fsReason } from './errors.ts';

export function checkInputFile(path: string, what: string, flag?: string): void {
  const name = flag ? `--${flag} ${path}` : path;
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UserError(`${name}: ${fsReason(e) ?? 'cannot be read'} (the ${what})`);
  }
  if (st.isDirectory()) throw new UserError(`${name}: is a folder, not a ${what} file`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new UserError(`${name}: permission denied (the ${what})`);
  }
}

/** The first bytes of a capture, checked before any output: pcap (any byte order or unit) or pcapng. */
export function checkCaptureHeader(path: string): void {
  const head = new Uint8Array(4);
  let n = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      n = readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new UserError(`${path}: ${fsReason(e) ?? 'cannot be read'} (the capture)`);
  }
  if (n === 0) throw new UserError(`${path}: empty file: no pcap or pcapng header (byte offset 0)`);
  if (n < 4) throw new UserError(`${path}: file header at byte 0: ${n} bytes, too short for a capture (byte offset 0)`);
  const be = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  const known = [0x0a0d0d0a, 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1];
  if (!known.includes(be))
    throw new UserError(
      `${path}: file header at byte 0: magic 0x${be.toString(16).padStart(8, '0')} is neither pcap nor pcapng (byte offset 0)`,
    );
}
