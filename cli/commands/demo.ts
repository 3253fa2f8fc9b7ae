// twinplane demo: for now, decodes the shipped sample capture. The scenario runner will
// replace this with a real walk through a multi-tenant topology.
import { fileURLToPath } from 'node:url';
import type { Command } from '../args.ts';
import { EXIT } from '../errors.ts';
import type { Io } from '../io.ts';
import { decodeFile } from './decode.ts';

export const SAMPLE_CAPTURE = fileURLToPath(new URL('../../pcaps/sample-geneve.pcapng', import.meta.url));

export const command: Command = {
  name: 'demo',
  summary: 'Decode the sample Geneve capture (a placeholder until the scenario runner lands).',
  flags: {},
  positionals: [],
  async run(_args, io: Io) {
    await io.out(io.style.bold(`Sample capture ${SAMPLE_CAPTURE}:`) + '\n');
    await decodeFile(SAMPLE_CAPTURE, { json: false }, io);
    await io.out(
      '\nThe scenario runner is not there yet: this demo only decodes a shipped capture.\n' +
        'Regenerate it with `npx tsx scripts/make-sample-pcaps.ts`.\n',
    );
    return EXIT.ok;
  },
};
