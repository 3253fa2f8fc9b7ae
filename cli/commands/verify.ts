// twinplane verify <scenario…>: every class of header every pod and the underlay can send,
// followed to its end after every scenario step, on the model, the real XDP or both (or a
// seeded sample of them injected live), judged by the isolation properties. Everything —
// flags, shard, outputs, scenario files (or, with --merge, result files) — is checked before
// the first frame.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from '../args.ts';
import { ensureBpfFresh } from '../bpf-build.ts';
import { EXIT, OutputWrites, UserError, fsReason } from '../errors.ts';
import type { Io } from '../io.ts';
import { checkInputFile } from '../inputs.ts';
import { type OutputName, checkOutputDir, checkOutputs, outputFlags } from '../outputs.ts';
import { expandScenarioPaths, loadScenarioArgs } from '../scenarios.ts';
import { OPTION_CLASS_FLAG, parseOptionClass, withOptionClass } from '../option-class.ts';
import { chooseTarget, targetFlag } from '../target-flag.ts';
import { progress } from './run.ts';
import type { Scenario } from '../../harness/scenario/types.ts';
import { assertionsOf } from '../../harness/verify/assertions-of.ts';
import { type VerifyTarget, verifyScenario } from '../../harness/verify/verifier.ts';
import { verifyParallel } from '../../harness/verify/parallel.ts';
import { MergeError, mergeDocs } from '../../harness/verify/merge.ts';
import { VERIFY_DOC_VERSION, type VerifyDoc } from '../../report/json-schema/verify-doc.ts';
import { verifyPageHtml } from '../../report/html/classes.ts';
import { verifyJunitXml } from '../../report/verify-junit.ts';
import { violationsPcapng } from '../../report/verify-pcapng.ts';
import { verifyText } from '../../report/verify-text.ts';

const OUTPUTS: readonly OutputName[] = ['json', 'report', 'junit', 'pcap'];
/** What --report writes (checked like every report folder). */
const REPORT_FILES = ['index.html', 'verify.json', 'junit.xml', 'violations.pcapng'];

/** `--shard i/n`, like vitest's: 1 ≤ i ≤ n. */
export function parseShard(v: unknown): { index: number; count: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(String(v));
  if (m === null) throw new UserError(`--shard must be <index>/<count> (e.g. 1/4), not '${String(v)}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 10_000) throw new UserError(`--shard ${String(v)}: the count must be 1 to 10000`);
  if (index < 1 || index > count) throw new UserError(`--shard ${String(v)}: the index must be 1 to ${count}`);
  return { index, count };
}

function nonNegInt(flag: string, v: unknown, max: number): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s) || Number(s) > max) throw new UserError(`--${flag} must be a whole number from 0 to ${max}, not '${s}'`);
  return Number(s);
}

function readDoc(path: string): VerifyDoc {
  checkInputFile(path, 'verify --json result');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: ${fsReason(e) ?? 'cannot be read'} (the verify result)`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    let where = '';
    if (m) {
      const upto = text.slice(0, Number(m[1]));
      const line = upto.split('\n').length;
      where = `:${line}:${Number(m[1]) - upto.lastIndexOf('\n')}`;
    }
    throw new UserError(`${path}${where}: not JSON (${(e as Error).message.split('\n')[0]}); give the output of twinplane verify --json`);
  }
  const d = doc as Partial<VerifyDoc>;
  if (typeof d !== 'object' || d === null || d.version !== VERIFY_DOC_VERSION || !Array.isArray(d.scenarios))
    throw new UserError(
      `${path}: not a twinplane verify result (version ${VERIFY_DOC_VERSION}): give the output of twinplane verify --json`,
    );
  return d as VerifyDoc;
}

async function writeAll(
  doc: VerifyDoc,
  flags: { report?: string; junit?: string; pcap?: string },
  io: Io,
): Promise<{ ok: boolean; pcaps: Map<string, string> }> {
  const w = new OutputWrites(io, 'verify');
  const pcaps = new Map<string, string>();
  const anyViolation = doc.scenarios.some((s) => s.violations.length + s.known.length > 0);
  if (flags.report !== undefined) {
    const dir = flags.report;
    w.attempt(dir, () => mkdirSync(dir, { recursive: true }));
    w.attempt(join(dir, 'index.html'), () => writeFileSync(join(dir, 'index.html'), verifyPageHtml(doc)));
    w.attempt(join(dir, 'verify.json'), () => writeFileSync(join(dir, 'verify.json'), JSON.stringify(doc, null, 1) + '\n'));
    w.attempt(join(dir, 'junit.xml'), () => writeFileSync(join(dir, 'junit.xml'), verifyJunitXml(doc)));
    w.attempt(join(dir, 'violations.pcapng'), () => writeFileSync(join(dir, 'violations.pcapng'), violationsPcapng(doc)));
    for (const s of doc.scenarios) pcaps.set(s.file, join(dir, 'violations.pcapng'));
  }
  if (flags.junit !== undefined) w.attempt(flags.junit, () => writeFileSync(flags.junit!, verifyJunitXml(doc)));
  if (flags.pcap !== undefined) {
    w.attempt(flags.pcap, () => writeFileSync(flags.pcap!, violationsPcapng(doc)));
    for (const s of doc.scenarios) pcaps.set(s.file, flags.pcap);
  }
  // A violation always comes with a capture of its paths: in a fresh temporary folder when
  // no output was asked for (never over a file of the user's).
  if (anyViolation && flags.report === undefined && flags.pcap === undefined) {
    let dir: string | undefined;
    w.attempt(tmpdir(), () => (dir = mkdtempSync(join(tmpdir(), 'twinplane-verify-'))));
    if (dir !== undefined)
      for (const s of doc.scenarios) {
        if (s.violations.length + s.known.length === 0) continue;
        const f = join(dir, `${basename(s.file).replace(/\.ya?ml$/, '')}.violations.pcapng`);
        w.attempt(f, () => writeFileSync(f, violationsPcapng(doc, s.file)));
        pcaps.set(s.file, f);
      }
  }
  return { ok: w.ok, pcaps };
}

export const command: Command = {
  name: 'verify',
  summary: 'prove tenant isolation over every class of header a pod or the underlay can send, after every step',
  description: [
    "From the scenario's resolved state, every frame a pod (honest or spoofing) or the underlay",
    '(a host, or a rogue address) can send is partitioned into header classes on which every',
    "program's decisions are constant (docs/verify.md argues it). Each class's representative is",
    'followed to its end after every scenario step that changed state, and judged: delivery,',
    'VNI emitted, ARP replies, learnt entries, service rewrites, forged underlay frames, MTU,',
    'intended reachability, state isolation (a flood of flows), state equal to a rebuild from',
    'scratch. --samples draws random members of each class and checks they take the',
    "representative's path (the partition's own check). A violation prints its class, frame,",
    'path on both sides, a pcapng and the command that reproduces it. Known findings (each',
    'with the issue that fixes it) are listed and do not fail the run.',
    '',
    '--shard i/n verifies every n-th source (pods, then host NICs, by name) and --merge joins',
    'the --json results of all n shards, like vitest. --target live injects a seeded sample of',
    '--live-sample classes on real interfaces (root) and compares each with the model.',
    '',
    'Exit status: 0 verified, 1 a violation (or a live disagreement), 2 bad input.',
  ].join('\n'),
  flags: {
    target: targetFlag(['model', 'xdp', 'both', 'live']),
    ...outputFlags(OUTPUTS, {
      json: 'print the result as JSON (what --merge reads) instead of text',
      report: `write ${REPORT_FILES.join(', ')} into this folder (created if missing)`,
      junit: 'write JUnit XML: one testcase per property, failed by its violations',
      pcap: "write a pcapng of every kept violation's path (both sides' verdicts per hop)",
    }),
    shard: { type: 'string', value: 'i/n', description: 'verify shard i of n (sources split round-robin by name); join with --merge' },
    merge: { type: 'boolean', description: 'the arguments are --json results of shards: join them and report as one run' },
    samples: {
      type: 'string',
      value: 'n',
      description: 'random members per class checked against the representative (default 0; the test suite uses more)',
    },
    seed: { type: 'string', value: 'n', description: 'seed of the random members and of the live sample (default 1)' },
    class: { type: 'string', value: 'id', description: "only this class (as printed), traced: what a violation's command reproduces" },
    checkpoint: { type: 'string', value: 'k', description: 'only checkpoint k (0 = the cluster as created)' },
    flood: { type: 'string', value: 'n', description: 'flows of the state-isolation flood (default: the flow table size + 1; 0 skips it)' },
    'live-sample': { type: 'string', value: 'n', description: 'classes injected live with --target live (default 40)' },
    'option-class': OPTION_CLASS_FLAG,
    jobs: {
      type: 'string',
      value: 'n',
      description:
        'worker threads sharing the sources on --target model (default: every CPU for scenarios of 100 endpoints or more, else 1)',
    },
  },
  positionals: [
    { name: 'scenario', description: 'scenario YAML files or folders (with --merge: verify --json result files)', variadic: true },
  ],
  async run(args, io: Io) {
    const f = args.flags;
    const shard = parseShard(f.shard);
    const samples = nonNegInt('samples', f.samples, 1000) ?? 0;
    const seed = nonNegInt('seed', f.seed, 0xffffffff) ?? 1;
    const checkpoint = nonNegInt('checkpoint', f.checkpoint, 1_000_000);
    const flood = nonNegInt('flood', f.flood, 1_000_000);
    const liveN = nonNegInt('live-sample', f['live-sample'], 100_000) ?? 40;
    const classId = typeof f.class === 'string' ? f.class : undefined;
    if (f.merge === true) {
      for (const k of ['shard', 'target', 'samples', 'seed', 'class', 'checkpoint', 'flood', 'live-sample'])
        if (f[k] !== undefined) throw new UserError(`--${k} does not go with --merge: the shards' results say how they ran`);
      const outputs = checkOutputs(f, OUTPUTS, args.positionals);
      if (outputs.report) checkOutputDir('report', outputs.report, REPORT_FILES);
      const docs = args.positionals.map((p) => ({ file: p, doc: readDoc(p) }));
      let doc: VerifyDoc;
      try {
        doc = mergeDocs(docs);
      } catch (e) {
        if (e instanceof MergeError) throw new UserError(`--merge: ${e.message}`);
        throw e;
      }
      return finish(doc, outputs, io);
    }
    if (f['live-sample'] !== undefined && f.target !== 'live') throw new UserError('--live-sample goes with --target live');
    const optionClass = parseOptionClass(f['option-class']);
    const inputs = expandScenarioPaths(args.positionals);
    const outputs = checkOutputs(f, OUTPUTS, inputs);
    if (outputs.report) checkOutputDir('report', outputs.report, REPORT_FILES);
    const scenarios = withOptionClass(loadScenarioArgs(args.positionals), optionClass);
    if (f.target === 'live') {
      for (const k of ['shard', 'report', 'junit', 'pcap', 'class', 'checkpoint', 'samples', 'flood'])
        if (f[k] !== undefined)
          throw new UserError(`--${k} is not available with --target live: it injects a sample of classes (--live-sample, --seed, --json)`);
      return runLive(scenarios, liveN, seed, outputs.json, io);
    }
    const jobsFlag = nonNegInt('jobs', f.jobs, 64);
    if (jobsFlag === 0) throw new UserError('--jobs must be at least 1');
    const chosen = await chooseTarget(f.target, 'verify', ['model', 'xdp', 'both', 'live'], io);
    const target = chosen.target as VerifyTarget;
    if (target !== 'model') ensureBpfFresh(io, 'verify');
    const bar = progress('verify');
    const cmdBase = (s: Scenario): string => `twinplane verify ${s.file} --target ${target}`;
    const doc: VerifyDoc = { version: VERIFY_DOC_VERSION, target, seed, samples, ...(shard ? { shard } : {}), ok: true, scenarios: [] };
    try {
      for (const s of scenarios) {
        // Workers pay a start-up each (a second or so): worth it for large clusters only.
        // Kernel targets stay on this thread: two threads' private namespaces set up at once
        // stall (harness/netns.ts); the model's work is what spreads.
        const jobs =
          classId !== undefined || target !== 'model' ? 1 : (jobsFlag ?? (s.endpoints.length >= 100 ? availableParallelism() : 1));
        if (jobs > 1) {
          doc.scenarios.push(
            await verifyParallel(
              s.file,
              {
                target,
                samples,
                seed,
                ...(shard ? { shard } : {}),
                ...(checkpoint !== undefined ? { checkpoint } : {}),
                ...(flood !== undefined ? { flood } : {}),
                reproduceBase: `${cmdBase(s)}${samples > 0 ? ` --samples ${samples} --seed ${seed}` : ''}`,
              },
              jobs,
              (n) => bar.update(`${s.name}: ${n.toLocaleString('en-US')} classes on ${jobs} threads`),
            ),
          );
          continue;
        }
        doc.scenarios.push(
          verifyScenario(s, {
            target,
            samples,
            seed,
            ...(shard ? { shard } : {}),
            ...(classId !== undefined ? { classId } : {}),
            ...(checkpoint !== undefined ? { checkpoint } : {}),
            ...(flood !== undefined ? { flood } : {}),
            assertions: assertionsOf(s),
            onProgress: (k, n) => bar.update(`${s.name}: checkpoint ${k}, ${n.toLocaleString('en-US')} classes`),
            reproduce: (id, k) =>
              `${cmdBase(s)} --class '${id.replace(/'/g, "'\\''")}' --checkpoint ${k}${samples > 0 ? ` --samples ${samples} --seed ${seed}` : ''}`,
          }),
        );
      }
    } finally {
      bar.done();
    }
    for (const n of chosen.notices) for (const s of doc.scenarios) s.notes.unshift(n);
    doc.ok = doc.scenarios.every((s) => s.ok);
    if (classId !== undefined && doc.scenarios.every((s) => s.classes === 0))
      throw new UserError(
        `--class '${classId}': no such class${checkpoint !== undefined ? ` at checkpoint ${checkpoint}` : ''} (copy the id from verify's output)`,
      );
    return finish(doc, outputs, io);
  },
};

async function finish(doc: VerifyDoc, outputs: ReturnType<typeof checkOutputs>, io: Io): Promise<number> {
  const w = await writeAll(doc, outputs, io);
  if (outputs.json) await io.out(JSON.stringify(doc, null, 1) + '\n');
  else await io.out(verifyText(doc, io.style, w.pcaps));
  return doc.ok && w.ok ? EXIT.ok : EXIT.failure;
}

async function runLive(scenarios: readonly Scenario[], k: number, seed: number, json: boolean, io: Io): Promise<number> {
  const { checkBpf } = await import('../../harness/privileges.ts');
  const bpf = await checkBpf();
  if (!bpf.ok) throw new UserError(`cannot run on live: BPF is unavailable: ${bpf.reason} (use --target model to run the model only)`);
  const { liveSample } = await import('../../harness/verify/live-sample.ts');
  const out: Array<{ file: string; name: string; classes: number; sampled: number; results: unknown[] }> = [];
  let ok = true;
  for (const s of scenarios) {
    const r = await liveSample(s, k, seed);
    ok &&= r.results.every((x) => x.ok);
    out.push({ file: s.file, name: s.name, classes: r.classes, sampled: r.sampled, results: r.results });
    if (!json) {
      const bad = r.results.filter((x) => !x.ok);
      await io.out(
        `${io.style.bold(s.name)} (${s.file}): ${bad.length === 0 ? io.style.green('live agrees') : io.style.red(`${bad.length} live disagreements`)} — ${r.sampled} of ${r.classes} classes of the cluster as created (before refinement), injected live (seed ${seed})\n`,
      );
      for (const x of bad) await io.out(`  ${x.classId}\n${x.diffs.map((d) => `    ${d}`).join('\n')}\n`);
    }
  }
  if (json) await io.out(JSON.stringify({ version: VERIFY_DOC_VERSION, target: 'live', seed, ok, scenarios: out }, null, 1) + '\n');
  return ok ? EXIT.ok : EXIT.failure;
}
