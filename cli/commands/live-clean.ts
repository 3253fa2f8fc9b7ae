// twinplane live run <scenario> [--verbose] [--json] [--captures <dir>]: the scenario's
// overlay in network namespaces with the real XDP attached, its steps applied in place and
// its sends played by the pods' own kernels, captured and compared with the model.
// twinplane live clean [--run <prefix>] [--force] [--dry-run] [--json]: removes what live
// runs left behind — network namespaces and links named tp<6 hex>-..., and their owner
// markers — for every run whose process is gone (or only run <prefix>). A run whose process
// still runs is left alone unless --force.
import type { Command } from '../args.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Io } from '../io.ts';
import { cleanupAll, findLeftovers } from '../../harness/live/cleanup.ts';
import { isRunPrefix, ownerAlive, prefixOf, readMarkers } from '../../harness/live/prefix.ts';
import { runLiveFiles } from './live-scenarios.ts';

interface RunReport {
  readonly prefix: string;
  readonly owner: 'alive' | 'gone';
  readonly namespaces: number;
  readonly links: number;
}

/** Every run with something left, and whether its owner still runs. */
export function survey(only?: string): RunReport[] {
  const found = findLeftovers(only);
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
  summary: 'live mode in network namespaces: `live run <scenario>`; `live clean` removes what crashed runs left',
  description: [
    'twinplane live run <scenario> builds the scenario in network namespaces (an underlay',
    "bridge, a namespace per host and per pod, each pod at its host's MTU less 66), attaches the",
    'real XDP programs natively, applies each step in place and plays each send: ping, UDP and',
    "TCP from the pod's own kernel, and the model's own frames injected for ARP, raw and forged",
    'sends. Every pod echoes UDP and TCP on the ports the scenario uses. Every bridge port and',
    "the pods concerned are tapped (libpcap); each packet's hops are compared with the model's",
    "and the kernel's (test run), and the live verdicts (per-reason counters) with theirs; a",
    'pcapng per send lands in --captures. Everything is removed at the end. Needs root.',
    '',
    'twinplane live clean removes the namespaces, links and markers of every live run whose',
    'process is gone (killed, crashed), or of the one run named by --run. Runs still in',
    'progress are listed and left alone; --force removes them too (only when nothing of',
    'twinplane is running). Needs root.',
    '',
    'Exit status: 0 when nothing of the cleaned runs remains, 1 when something could not be',
    'removed, 2 for bad arguments.',
  ].join('\n'),
  flags: {
    force: { type: 'boolean', description: 'also remove runs whose process is still alive' },
    run: { type: 'string', value: 'prefix', description: 'live clean: only this run (its prefix, tp<6 hex>-, as live run prints it)' },
    'dry-run': { type: 'boolean', short: 'n', description: 'list what would be removed, remove nothing' },
    json: { type: 'boolean', description: 'one JSON object with the outcome' },
    verbose: { type: 'boolean', short: 'v', description: 'live run: every check, packet comparison, counter and note' },
    captures: { type: 'string', value: 'dir', description: "live run: write each send's pcapng here (default: a new tmp directory)" },
  },
  positionals: [
    { name: 'action', description: 'run or clean' },
    { name: 'scenario', description: 'live run: the scenario file', optional: true },
  ],
  async run(args, io: Io) {
    const action = args.positionals[0];
    if (action === 'run') return liveRun(args, io);
    if (action !== 'clean') throw new UserError(`live: unknown action '${action}' (have: run, clean)`);
    if (args.positionals.length > 1) throw new UserError(`live clean takes no file (got '${args.positionals[1]}')`);
    const force = args.flags.force === true;
    const only = typeof args.flags.run === 'string' ? args.flags.run : undefined;
    if (only !== undefined && !isRunPrefix(only))
      throw new UserError(`--run: '${only}' is not a run prefix (tp + 6 hex digits + '-', e.g. tp1a2b3c-)`);
    const runs = survey(only);
    if (args.flags['dry-run'] === true) {
      const doomed = runs.filter((r) => force || r.owner === 'gone');
      if (args.flags.json === true) await io.out(JSON.stringify({ dryRun: true, runs, wouldRemove: doomed.map((r) => r.prefix) }) + '\n');
      else
        for (const r of runs)
          await io.out(
            `${doomed.includes(r) ? 'would remove' : 'would keep  '} ${r.prefix} (owner ${r.owner}, ${r.namespaces} namespaces, ${r.links} links)\n`,
          );
      return EXIT.ok;
    }
    const r = cleanupAll({ force, ...(only ? { only: [only] } : {}) });
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

async function liveRun(args: Parameters<Command['run']>[0], io: Io): Promise<number> {
  const file = args.positionals[1];
  if (file === undefined) throw new UserError('live run: name a scenario file (usage: twinplane live run <scenario>)');
  const captures = typeof args.flags.captures === 'string' ? args.flags.captures : undefined;
  return runLiveFiles([file], io, {
    json: args.flags.json === true,
    verbose: args.flags.verbose === true,
    ...(captures ? { captures } : {}),
  });
}
