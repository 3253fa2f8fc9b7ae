// `--frame <hex|file>`: a frame given in hex on the command line (spaces, colons and dots
// allowed), or a file holding hex text or a capture (its first packet).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parseCapture } from '../report/capture/reader.ts';
import { UserError } from './errors.ts';

function hexBytes(text: string): Uint8Array | undefined {
  const h = text.replace(/0x/gi, '').replace(/[\s:.-]/g, '');
  if (h.length === 0 || h.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(h)) return undefined;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function parseFrameArg(v: string): { frame: Uint8Array; from: string } {
  if (existsSync(v)) {
    if (statSync(v).isDirectory()) throw new UserError(`--frame ${v}: is a folder, not a frame`);
    const bytes = new Uint8Array(readFileSync(v));
    const cap = parseCapture(bytes);
    if (cap.format !== null) {
      if (cap.packets.length === 0)
        throw new UserError(`--frame ${v}: the capture holds no packet${cap.error ? ` (${cap.error.message})` : ''}`);
      return { frame: cap.packets[0].data, from: `${v}, packet 1 of ${cap.packets.length}` };
    }
    const h = hexBytes(new TextDecoder().decode(bytes));
    if (h === undefined) throw new UserError(`--frame ${v}: neither a capture nor hex text`);
    return { frame: h, from: v };
  }
  const h = hexBytes(v);
  if (h === undefined)
    throw new UserError(
      `--frame must be a frame in hex (an even number of hex digits) or a file, not '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`,
    );
  return { frame: h, from: 'the command line' };
}
