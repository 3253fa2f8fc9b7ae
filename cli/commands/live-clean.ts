// twinplane live clean [--force] [--dry-run] [--json]: removes what live runs left behind —
// network namespaces and links named tp<6 hex>-..., and their owner markers — for every
// run whose process is gone. A run whose process still runs is left alone unless --force.
import type { Command } from '../args.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Io } from '../io.ts';
import { cleanupAll, findLeftovers } from '../../harness/live/cleanup.ts';
import { ownerAlive, prefixOf, readMarkers } from '../../harness/live/prefix.ts';

interface RunReport {
  readonly prefix: string;
  readonly owner: 'alive' | 'gone';
  readonly namespaces: number;
  readonly links: number;
}

/** Every run with something left, and whether its owner still runs. */
export function survey(): RunReport[] {
  const found = findLeftovers();
  const markers = readMarkers();
  const prefixes = new Set<string>([...found.markers, ...[...found.namespaces, ...found.links].map((n) => prefixOf(n)!)]);
  return [...prefixes].sort().map((prefix) => {
    const m = markers.find((x) => x.prefix === prefix);
    return {
      prefix,
      owner: m && ownerAlive(m) ? 'alive' : 'gone',
      namespaces: found.namespaces.filter((n) => n.startsWith(prefix)).length,
      links: found.links.filter((n) => n.startsWith(prefix)).length,
    };
  });
}

export const command: Command = {
  name: 'live',
  summary: 'live mode in network namespaces; `live clean` removes what crashed runs left',
  description: [
    'twinplane live clean removes the namespaces, links and markers of every live run whose',
    'process is gone (killed, crashed). Runs still in progress are listed and left alone;',
    '--force removes them too (only when nothing of twinplane is running). Needs root.',
    '',
    'Exit status: 0 when nothing of the cleaned runs remains, 1 when something could not be',
    'removed, 2 for bad arguments.',
  ].join('\n'),
  flags: {
    force: { type: 'boolean', description: 'also remove runs whose process is still alive' },
    'dry-run': { type: 'boolean', short: 'n', description: 'list what would be removed, remove nothing' },
    json: { type: 'boolean', description: 'one JSON object with the outcome' },
  },
  positionals: [{ name: 'action', description: 'clean' }],
  async run(args, io: Io) {
    const action = args.positionals[0];
    if (action !== 'clean') throw new UserError(`live: unknown action '${action}' (have: clean)`);
    const force = args.flags.force === true;
    const runs = survey();
    if (args.flags['dry-run'] === true) {
      const doomed = runs.filter((r) => force || r.owner === 'gone');
      if (args.flags.json === true) await io.out(JSON.stringify({ dryRun: true, runs, wouldRemove: doomed.map((r) => r.prefix) }) + '\n');
      else for (const r of runs) await io.out(`${doomed.includes(r) ? 'would remove' : 'would keep  '} ${r.prefix} (owner ${r.owner}, ${r.namespaces} namespaces, ${r.links} links)\n`);
      return EXIT.ok;
    }
    const r = cleanupAll({ force });
    const left = [...r.remaining.namespaces, ...r.remaining.links];
    if (args.flags.json === true) {
      await io.out(JSON.stringify({ cleaned: r.cleaned, skipped: r.skipped, remaining: r.remaining }) + '\n');
    } else {
      for (const p of r.cleaned) await io.out(`removed ${p}\n`);
      for (const p of r.skipped) await io.out(`kept    ${p} (its process is still running; --force to remove)\n`);
      if (r.cleaned.length === 0 && r.skipped.length === 0) await io.out('nothing to clean\n');
      for (const n of left) io.err(`twinplane live clean: could not remove ${n}`);
    }
    return left.length === 0 ? EXIT.ok : EXIT.failure;
  },
};
