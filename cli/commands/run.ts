// twinplane run <scenario…>: runs scenario files (or every *.yaml of a folder) on the model,
// the real XDP, or both hop by hop, checks every expectation and invariant, and writes the
// reports asked for. Everything the command will need — flags, output paths, every scenario
// file, BPF and a fresh object — is checked before the first packet.
import type { Command, ParsedArgs } from '../args.ts';
import { ensureBpfFresh } from '../bpf-build.ts';
import { EXIT, OutputWrites, UserError, writeProblem } from '../errors.ts';
import { FILTER_FLAG, parseFilterFlag } from '../filter.ts';
import { OPTION_CLASS_FLAG, parseOptionClass, withOptionClass } from '../option-class.ts';
import type { Io } from '../io.ts';
import { type OutputName, type Outputs, checkOutputs, outputFlags } from '../outputs.ts';
import { loadScenarioArgs, expandScenarioPaths } from '../scenarios.ts';
import { chooseTarget, parseTarget, targetFlag } from '../target-flag.ts';
import { runAll } from '../../harness/run/run-all.ts';
import { engineFor } from '../../harness/run/targets.ts';
import { writeJunit, writePcapng, writeReportDir } from '../../harness/run/report-dir.ts';
import type { Scenario } from '../../harness/scenario/types.ts';
import type { RunTarget } from '../../model/target.ts';
import type { Expr } from '../../report/filter/expr.ts';
import { filterRunDoc } from '../../report/filter/match.ts';
import type { RunDoc } from '../../report/json-schema/run-doc.ts';
import { renderTrace } from '../../report/trace/render.ts';
import { RunSinks } from '../run-sinks.ts';
import { runText } from '../../report/trace/run-text.ts';

export const RUN_OUTPUTS: readonly OutputName[] = ['json', 'report', 'junit', 'pcap'];

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

export interface RunPlan {
  readonly target: RunTarget;
  readonly notices: readonly string[];
  readonly outputs: Outputs;
  readonly filter?: Expr;
  /** `--pairs`: the most ordered pairs the all-pairs invariants probe (Infinity: every pair). */
  readonly pairLimit?: number;
}

/** `--pairs all|N`: every ordered pair, or a sample of at most N (at least 2). */
export function parsePairs(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (v === 'all') return Infinity;
  const s = String(v);
  if (!/^\d+$/.test(s) || Number(s) < 2) throw new UserError(`--pairs must be 'all' or a number of pairs of at least 2, not '${s}'`);
  return Number(s);
}

/** The kernel needs BPF, a loadable libbpf and an object built from today's sources. */
export async function engineOrThrow(target: RunTarget, io: Io, command: string) {
  if (target === 'live') throw new Error('engineOrThrow: live runs have their own runner');
  if (target !== 'model') ensureBpfFresh(io, command);
  const choice = await engineFor(target);
  if (!choice.ok) throw new UserError(`cannot run on ${target}: ${choice.reason} (use --target model to run the model only)`);
  return choice.factory;
}

/**
 * Writes what was asked for; returns false (after saying which) when a file could not be
 * written. `streamed`: the pcapng and the JSON went out packet by packet during the run.
 */
export function writeOutputs(doc: RunDoc, o: Outputs, io: Io, command: string, streamed = false): boolean {
  const w = new OutputWrites(io, command);
  if (o.report !== undefined) {
    let files: ReturnType<typeof writeReportDir> | undefined;
    w.attempt(o.report, () => (files = writeReportDir(o.report!, doc, { streamed })));
    for (const f of files?.failed ?? []) w.fail(f);
  }
  if (o.junit !== undefined) w.attempt(o.junit, () => writeJunit(o.junit!, doc));
  if (o.pcap !== undefined && !streamed) w.attempt(o.pcap, () => writePcapng(o.pcap!, doc));
  return w.ok;
}

/** Runs loaded scenarios by the plan, writes and prints; the exit status. */
export async function executeRun(
  scenarios: readonly Scenario[],
  plan: RunPlan,
  io: Io,
  command = 'run',
): Promise<{ code: number; doc: RunDoc }> {
  const engine = await engineOrThrow(plan.target, io, command);
  const bar = progress(command);
  // The pcapng and the JSON are written as the packets are sent: memory stays bounded.
  let sinks: RunSinks;
  try {
    sinks = new RunSinks(plan.outputs, scenarios, plan.target, plan.filter);
  } catch (e) {
    throw new UserError(`cannot open the outputs: ${writeProblem(e)}`);
  }
  let doc: RunDoc;
  try {
    doc = runAll(scenarios, {
      target: plan.target,
      engine,
      notices: plan.notices,
      ...(plan.pairLimit !== undefined ? { pairLimit: plan.pairLimit } : {}),
      onProgress: (i, done, total) => bar.update(`${scenarios[i].name} [${i + 1}/${scenarios.length}] step ${done}/${total}`),
      ...(sinks.streaming ? { sink: sinks } : {}),
    });
  } finally {
    bar.done();
  }
  const shown = plan.filter ? filterRunDoc(doc, plan.filter) : doc;
  let written = true;
  try {
    await sinks.end(doc.ok, io);
  } catch (e) {
    written = false;
    io.err(`twinplane ${command}: could not write the run's packets: ${writeProblem(e)}`);
  }
  written = writeOutputs(shown, plan.outputs, io, command, true) && written;
  if (!plan.outputs.json) {
    await io.out(runText(doc, io.style));
    if (plan.filter) {
      const packets = shown.runs.flatMap((r) => r.packets);
      await io.out(`\n${io.style.dim(`# ${packets.length} packet${packets.length === 1 ? '' : 's'} match --filter`)}\n`);
      for (const r of shown.runs)
        if (r.packets.length > 0) await io.out(renderTrace(r.packets, 'minimal', io.style, { optionClass: r.optionClass }));
    }
  }
  return { code: doc.ok && written ? EXIT.ok : EXIT.failure, doc };
}

/** Everything `run` checks before work, shared by watch. */
export async function planRun(args: ParsedArgs, io: Io, command: string): Promise<{ plan: RunPlan; scenarios: Scenario[] }> {
  const filter = parseFilterFlag(args.flags.filter);
  const pairLimit = parsePairs(args.flags.pairs);
  const optionClass = parseOptionClass(args.flags['option-class']);
  const target = parseTarget(args.flags.target, command, ['model', 'xdp', 'both']);
  const inputs = expandScenarioPaths(args.positionals);
  const outputs = checkOutputs(args.flags, RUN_OUTPUTS, inputs);
  const scenarios = withOptionClass(loadScenarioArgs(args.positionals), optionClass);
  const chosen = await chooseTarget(target, command, ['model', 'xdp', 'both'], io);
  return {
    plan: {
      target: chosen.target,
      notices: chosen.notices,
      outputs,
      ...(filter ? { filter } : {}),
      ...(pairLimit !== undefined ? { pairLimit } : {}),
    },
    scenarios,
  };
}

export const command: Command = {
  name: 'run',
  summary: 'Run scenario files on the model, the real XDP or both; check expectations and invariants.',
  description: [
    'Each scenario builds its cluster, applies its steps in order and checks every',
    'expectation (delivered, to, reason, path, hops, directAfter, backend, bouncerSees) and',
    'invariant (isolation, reachability). The runner plays the pods: it ARPs before the',
    'first packet and the receiving pod answers (echo reply, UDP echo, SYN-ACK). A folder',
    'stands for every .yaml file in it.',
    '',
    'Every flag, output path and scenario file is checked before anything runs. --filter',
    'keeps the matching packets in --json, --report and --pcap, and lists them after the',
    'text; checks always count every packet.',
    '',
    'Exit status: 0 all passed, 1 a check failed or model and kernel differed,',
    '2 bad input (every problem of a scenario file is listed with file:line:column).',
  ].join('\n'),
  flags: {
    target: targetFlag(['model', 'xdp', 'both', 'live']),
    ...outputFlags(RUN_OUTPUTS, { json: 'print the run as JSON (report/json-schema/run.schema.json) instead of text' }),
    filter: FILTER_FLAG,
    'option-class': OPTION_CLASS_FLAG,
    pairs: {
      type: 'string',
      value: 'all|n',
      description:
        "pairs the isolation and reachability invariants probe: every ordered pair ('all', the default) or a sample of at most n; the output says which",
    },
  },
  positionals: [{ name: 'scenario', description: 'scenario YAML files, or folders of them', variadic: true }],
  async run(args, io: Io) {
    // Live runs build real namespaces and send real traffic; their result has its own
    // shape (observed captures against the model's prediction), reported by `live run`.
    if (args.flags.target === 'live') {
      for (const f of ['report', 'junit', 'pcap', 'filter', 'pairs'])
        if (args.flags[f] !== undefined)
          throw new UserError(`--${f} is not available with --target live yet: the live runner prints its own report (--json for JSON)`);
      const { runLiveFiles } = await import('./live-scenarios.ts');
      return runLiveFiles(expandScenarioPaths(args.positionals), io, { json: args.flags.json === true });
    }
    const { plan, scenarios } = await planRun(args, io, 'run');
    return (await executeRun(scenarios, plan, io)).code;
  },
};

/** Loads the scenarios (folders expanded), every problem with file:line:column, or exit 2. Kept for live mode's commands. */
export const loadOrThrow = loadScenarioArgs;
