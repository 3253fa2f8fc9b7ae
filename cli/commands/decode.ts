// twinplane decode <capture> [--json]: streams a pcap or pcapng file and prints every
// packet. A damaged file prints the packets before the damage, then says where it is.
import type { Command } from '../args.ts';
import { EXIT, UserError, describeFsError } from '../errors.ts';
import { packetJson, packetText } from '../format-packet.ts';
import type { Io } from '../io.ts';
import { readCaptureFile } from '../../report/capture/files.ts';
import { CaptureError } from '../../report/capture/types.ts';

export interface DecodeOptions {
  readonly json: boolean;
}

/** Prints every packet of `path`; returns how many. Damage and unreadable files are UserErrors. */
export async function decodeFile(path: string, opts: DecodeOptions, io: Io): Promise<number> {
  let n = 0;
  try {
    for await (const p of readCaptureFile(path)) {
      await io.out(opts.json ? packetJson(p) : packetText(p, io.style));
      n++;
    }
  } catch (e) {
    if (e instanceof CaptureError) throw new UserError(`${path}: ${e.message} (byte offset ${e.offset})`);
    const fs = describeFsError(path, e);
    if (fs) throw new UserError(fs);
    throw e;
  }
  return n;
}

export const command: Command = {
  name: 'decode',
  summary: 'Print a pcap or pcapng capture packet by packet, layer by layer (outer and inner headers of Geneve).',
  description: [
    'Each packet is a header line, #<n> <time> len=<captured>/<original> if=<interface>',
    'followed by its XDP verdict and comments when the capture has them, then one indented',
    'line per layer. The file is streamed, so captures of any size work.',
    '',
    'Exit status: 0 when every packet was read, 2 for a missing, unreadable or damaged file',
    '(the packets before the damage are printed first, the byte offset on stderr).',
  ].join('\n'),
  flags: {
    json: { type: 'boolean', description: 'one JSON object per line per packet, with every field of every layer' },
  },
  positionals: [{ name: 'capture', description: 'a .pcap or .pcapng file' }],
  async run(args, io: Io) {
    await decodeFile(args.positionals[0], { json: args.flags.json === true }, io);
    return EXIT.ok;
  },
};
