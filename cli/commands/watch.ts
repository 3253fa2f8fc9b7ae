// twinplane watch <scenario…> [run's flags]: runs the scenarios, then again whenever one of
// them (or a folder's .yaml files) or a bpf/ source changes — the BPF object is rebuilt
// first — until interrupted (or --runs N). A broken scenario is reported and waited on.
import { readdirSync, statSync } from 'node:fs';
import type { Command } from '../args.ts';
import { BPF_SRC, bpfSources } from '../bpf-build.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Io } from '../io.ts';
import { command as runCommand, executeRun, planRun } from './run.ts';

/** A fingerprint of every watched file: names, sizes and modification times. */
/** Looks at most, one interval apart, for a changed file to stop changing. */
const SETTLE_LOOKS = 20;

function fingerprint(paths: readonly string[]): string {
  const parts: string[] = [];
  const add = (p: string): void => {
    try {
      const st = statSync(p);
      if (st.isDirectory()) {
        for (const f of readdirSync(p).sort()) if (f.endsWith('.yaml') || f.endsWith('.yml')) add(`${p}/${f}`);
      } else parts.push(`${p}:${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push(`${p}:gone`);
    }
  };
  for (const p of paths) add(p);
  for (const p of bpfSources()) add(p);
  return parts.join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const command: Command = {
  name: 'watch',
  summary: 'Run scenarios, then again on every change to them or to bpf/ (rebuilt first); Ctrl-C stops.',
  description: [
    `Takes run's arguments and flags. Watches the scenario files (a folder: its .yaml files) and`,
    // The folder's absolute path has its own line: the help stays within 100 columns wherever the tree is.
    `every source under ${BPF_SRC};`,
    'after a change it rebuilds the BPF object when a kernel target needs it and runs again.',
    'A scenario with mistakes is reported, then waited on.',
    '',
    'Exit status: 0 when stopped, 2 bad flags; each run prints its own verdict.',
  ].join('\n'),
  flags: {
    ...runCommand.flags,
    runs: { type: 'string', value: 'n', description: 'stop after n runs (default: until interrupted)' },
    interval: { type: 'string', value: 'ms', description: 'how often to look for changes (default 300)' },
  },
  positionals: runCommand.positionals,
  async run(args, io: Io) {
    if (args.flags.target === 'live')
      throw new UserError(
        '--target live is not available for watch: live runs build real namespaces, run them with twinplane run --target live',
      );
    const count = (flag: string, dflt: number, min: number): number => {
      const v = args.flags[flag];
      if (v === undefined) return dflt;
      const n = /^\d+$/.test(String(v)) ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || n < min)
        throw new UserError(`--${flag} must be a whole number of at least ${min}, not '${String(v)}'`);
      return n;
    };
    const maxRuns = count('runs', Infinity, 1);
    const interval = count('interval', 300, 20);
    const { runs: _r, interval: _i, ...flags } = args.flags;
    const runArgs = { flags, positionals: args.positionals };
    // The flags are checked once, up front: a mistake there is exit 2, not a loop of errors.
    await planRun(runArgs, io, 'watch').catch((e: unknown) => {
      if (e instanceof UserError && !/problems? in the scenario/.test(e.message)) throw e;
    });
    let stop = false;
    const onInt = (): void => {
      stop = true;
    };
    process.once('SIGINT', onInt);
    try {
      let runs = 0;
      let seen = '';
      while (!stop && runs < maxRuns) {
        let now = fingerprint(args.positionals);
        if (now === seen) {
          await sleep(interval);
          continue;
        }
        // A change is run once the files hold still for an interval: an editor or a copy
        // that writes in pieces is seen whole, not half written (bounded: a file that never
        // settles runs after SETTLE_LOOKS looks, as it is then).
        if (runs > 0) {
          for (let i = 0; i < SETTLE_LOOKS; i++) {
            await sleep(interval);
            const again = fingerprint(args.positionals);
            if (again === now) break;
            now = again;
          }
        }
        seen = now;
        runs++;
        if (runs > 1) await io.out(io.style.dim(`\n── change seen: run ${runs} ──`) + '\n');
        try {
          const { plan, scenarios } = await planRun(runArgs, io, 'watch');
          await executeRun(scenarios, plan, io, 'watch');
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          io.err(`twinplane watch: ${e.message}`);
        }
        if (runs < maxRuns) await io.out(io.style.dim(`watching ${args.positionals.join(', ')} and bpf/ (Ctrl-C stops)`) + '\n');
      }
    } finally {
      process.off('SIGINT', onInt);
    }
    return EXIT.ok;
  },
};
