// twinplane run <scenario…>: runs scenario files on the model, the real XDP, or both hop by
// hop, checks every expectation and invariant, and writes the reports asked for.
import type { Command } from '../args.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Io } from '../io.ts';
import { engineFor, isEngineTarget, loadScenarios, runAll, writeJunit, writeReportDir } from '../../harness/run/index.ts';
import type { RunDoc } from '../../report/json-schema/run.ts';
import type { EngineTarget } from '../../harness/run/targets.ts';
import { runText } from '../../report/trace/run-text.ts';

export const TARGET_HELP = 'model (default), xdp (every hop in the kernel), or both (hop by hop, any difference fails)';

export function parseTarget(v: unknown): EngineTarget {
  if (v === undefined) return 'model';
  if (!isEngineTarget(v)) throw new UserError(`--target must be model, xdp or both, not '${String(v)}'`);
  return v;
}

/** Loads the scenarios, every problem of every file with file:line:column, or exit 2. */
export function loadOrThrow(paths: readonly string[]) {
  const r = loadScenarios(paths);
  if (!r.ok)
    throw new UserError(
      `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} in the scenario file${paths.length === 1 ? '' : 's'}:\n${r.problems.join('\n')}`,
    );
  return r.scenarios;
}

/** A one-line progress display on stderr, only when stderr is a terminal. */
export function progress(label: string): { update(text: string): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(text) {
      const now = Date.now();
      if (!tty || now - last < 80) return;
      last = now;
      process.stderr.write(`\r\x1b[K${label} ${text}`);
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

export async function runScenarios(paths: readonly string[], target: EngineTarget): Promise<RunDoc> {
  const scenarios = loadOrThrow(paths);
  const choice = await engineFor(target);
  if (!choice.ok) throw new UserError(`cannot run on ${target}: ${choice.reason} (use --target model to run the model only)`);
  const bar = progress('running');
  try {
    return runAll(scenarios, {
      target,
      engine: choice.factory,
      onProgress: (i, done, total) => bar.update(`${scenarios[i].name} [${i + 1}/${scenarios.length}] step ${done}/${total}`),
    });
  } finally {
    bar.done();
  }
}

export const command: Command = {
  name: 'run',
  summary: 'Run scenario files on the model, the real XDP or both; check expectations and invariants.',
  description: [
    'Each scenario builds its cluster, applies its steps in order and checks every',
    'expectation (delivered, to, reason, path, hops, directAfter, backend, bouncerSees) and',
    'invariant (isolation, reachability). The runner plays the pods: it ARPs before the',
    'first packet and the receiving pod answers (echo reply, UDP echo, SYN-ACK).',
    '',
    'Exit status: 0 all passed, 1 a check failed or model and kernel differed,',
    '2 bad input (every problem of a scenario file is listed with file:line:column).',
  ].join('\n'),
  flags: {
    target: { type: 'string', value: 'model|xdp|both|live', description: `${TARGET_HELP}; live: real namespaces and traffic (root)` },
    json: { type: 'boolean', description: 'print the run as JSON (report/json-schema/run.schema.json) instead of text' },
    junit: { type: 'string', value: 'file', description: 'write JUnit XML: one testcase per expectation, invariant and mismatch' },
    report: { type: 'string', value: 'dir', description: 'write index.html, summary.md, junit.xml, run.json and run.pcapng there' },
  },
  positionals: [{ name: 'scenario', description: 'one or more scenario YAML files', variadic: true }],
  async run(args, io: Io) {
    // Live runs build real namespaces and send real traffic; their result has its own
    // shape (observed captures against the model's prediction), reported by `live run`.
    if (args.flags.target === 'live') {
      const { runLiveFiles } = await import('./live-scenarios.ts');
      return runLiveFiles(args.positionals, io, { json: args.flags.json === true });
    }
    const target = parseTarget(args.flags.target);
    const doc = await runScenarios(args.positionals, target);
    let reportsOk = true;
    if (typeof args.flags.junit === 'string') writeJunit(args.flags.junit, doc);
    if (typeof args.flags.report === 'string') {
      const files = writeReportDir(args.flags.report, doc);
      io.err(`reports: ${files.html}, ${files.markdown}, ${files.junit}, ${files.json}, ${files.pcapng}`);
      for (const f of files.failed) io.err(`twinplane run: could not write ${f}`);
      if (files.failed.length > 0) reportsOk = false;
    }
    await io.out(args.flags.json === true ? JSON.stringify(doc, null, 1) + '\n' : runText(doc, io.style));
    return doc.ok && reportsOk ? EXIT.ok : EXIT.failure;
  },
};
