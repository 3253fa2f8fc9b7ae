// twinplane decode <capture> [--json] [--filter <expr>]: streams a pcap or pcapng file and
// prints every packet (or those the filter keeps). A damaged file prints the packets before
// the damage, then says where it is.
import type { Command } from '../args.ts';
import { EXIT, UserError, describeFsError } from '../errors.ts';
import { FILTER_FLAG, parseFilterFlag } from '../filter.ts';
import { OPTION_CLASS_FLAG, parseOptionClass } from '../option-class.ts';
import type { Io } from '../io.ts';
import { checkCaptureHeader, checkInputFile } from '../inputs.ts';
import { OUTPUT_FLAGS } from '../outputs.ts';
import { readCaptureFile } from '../../report/capture/files.ts';
import { CaptureError } from '../../report/capture/contents.ts';
import type { Expr } from '../../report/filter/expr.ts';
import { captureRecord, matches } from '../../report/filter/match.ts';
import { capturePacketJson, capturePacketText } from '../../report/trace/capture-text.ts';

export interface DecodeOptions {
  readonly json: boolean;
  readonly filter?: Expr;
  /** The class our Geneve options are read in (--option-class; default 0xFFF0). */
  readonly optionClass?: number;
}

/** Prints every packet of `path` (that the filter keeps); returns how many were read. */
export async function decodeFile(path: string, opts: DecodeOptions, io: Io): Promise<number> {
  let n = 0;
  const d = { optionClass: opts.optionClass };
  try {
    for await (const p of readCaptureFile(path)) {
      n++;
      if (opts.filter && !matches(opts.filter, [captureRecord(p)])) continue;
      await io.out(opts.json ? capturePacketJson(p, d) : capturePacketText(p, io.style, [], d));
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
    'followed by its XDP verdict and comments when the capture has them, then one line per',
    'layer, the layers inside a Geneve tunnel indented under the outer ones. The file is',
    'streamed, so captures of any size work.',
    '',
    'Exit status: 0 when every packet was read, 2 for a missing, unreadable or damaged file',
    '(the packets before the damage are printed first, the byte offset on stderr).',
  ].join('\n'),
  flags: {
    json: { ...OUTPUT_FLAGS.json, description: 'one JSON object per line per packet, with every field of every layer' },
    filter: FILTER_FLAG,
    'option-class': { ...OPTION_CLASS_FLAG, description: "the class our Geneve options are read in (default 0xFFF0; 0x0111 for Mizar's)" },
  },
  positionals: [{ name: 'capture', description: 'a .pcap or .pcapng file' }],
  async run(args, io: Io) {
    const filter = parseFilterFlag(args.flags.filter);
    const optionClass = parseOptionClass(args.flags['option-class']);
    checkInputFile(args.positionals[0], 'capture');
    checkCaptureHeader(args.positionals[0]);
    await decodeFile(
      args.positionals[0],
      { json: args.flags.json === true, ...(filter ? { filter } : {}), ...(optionClass !== undefined ? { optionClass } : {}) },
      io,
    );
    return EXIT.ok;
  },
};
