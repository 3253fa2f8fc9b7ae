// twinplane demo: the shipped demo scenario on the model and on the real XDP, hop by hop
// (the model alone, said loudly, where this machine cannot load BPF), with the HTML report,
// the pcapng, the Markdown summary, the JUnit XML and the JSON written under one directory.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../args.ts';
import { EXIT, UserError } from '../errors.ts';
import type { Io } from '../io.ts';
import { engineFor, isEngineTarget, loadScenarios, runAll, writeReportDir } from '../../harness/run/index.ts';
import type { EngineTarget } from '../../harness/run/targets.ts';
import { runText } from '../../report/trace/run-text.ts';
import { progress } from './run.ts';

export const DEMO_SCENARIO = fileURLToPath(new URL('../../scenarios/demo.yaml', import.meta.url));
export const DEFAULT_OUT = 'out/demo';

async function pickTarget(flag: unknown): Promise<{ target: EngineTarget; notices: string[] }> {
  if (flag !== undefined) {
    if (!isEngineTarget(flag)) throw new UserError(`--target must be model, xdp or both, not '${String(flag)}'`);
    return { target: flag, notices: [] };
  }
  const { checkBpf, MODEL_ONLY_HINT } = await import('../../harness/privileges.ts');
  const bpf = await checkBpf();
  if (bpf.ok) return { target: 'both', notices: [] };
  return {
    target: 'model',
    notices: [`MODEL ONLY: the real XDP did not run (${bpf.reason}). Run as root for model and kernel side by side; ${MODEL_ONLY_HINT}.`],
  };
}

export const command: Command = {
  name: 'demo',
  summary: 'Run the demo scenario on the model and the real XDP; write the HTML report and the pcapng.',
  description: [
    `Runs ${'scenarios/demo.yaml'} — two tenants on three hosts: pings within and across subnets, a`,
    'refused cross-tenant ping, 40 pods provisioned, the direct path learnt from the ARP reply,',
    'a service behind a VIP — hop by hop on the model and in the kernel, and fails on any',
    'difference. Without BPF (not root, no CAP_BPF) it runs the model only and says so.',
    '',
    `Writes index.html, run.pcapng, summary.md, junit.xml and run.json under --out (default ${DEFAULT_OUT}).`,
    '',
    'Exit status: 0 passed, 1 a check failed or model and kernel differed, 2 bad input.',
  ].join('\n'),
  flags: {
    out: { type: 'string', value: 'dir', description: `where the reports go (default ${DEFAULT_OUT})` },
    target: { type: 'string', value: 'model|xdp|both', description: 'default: both where BPF is available, else model (with a notice)' },
  },
  positionals: [],
  async run(args, io: Io) {
    const dir = typeof args.flags.out === 'string' ? args.flags.out : DEFAULT_OUT;
    const { target, notices } = await pickTarget(args.flags.target);
    for (const n of notices) io.err(io.style.yellow(`twinplane demo: ${n}`));
    // Shown in reports: relative to where the user stands when that is shorter.
    const rel = relative(process.cwd(), DEMO_SCENARIO);
    const loaded = loadScenarios([rel.startsWith('..') ? DEMO_SCENARIO : rel]);
    if (!loaded.ok) throw new UserError(`the shipped demo scenario does not load:\n${loaded.problems.join('\n')}`);
    const choice = await engineFor(target);
    if (!choice.ok) throw new UserError(`cannot run on ${target}: ${choice.reason}`);
    const bar = progress('demo');
    let doc;
    try {
      doc = runAll(loaded.scenarios, { target, engine: choice.factory, notices, onProgress: (_i, d, t) => bar.update(`step ${d}/${t}`) });
    } finally {
      bar.done();
    }
    const files = writeReportDir(dir, doc);
    for (const f of files.failed) io.err(io.style.red(`twinplane demo: could not write ${f}`));
    await io.out(runText(doc, io.style));
    await io.out(
      [
        '',
        io.style.bold(`Reports in ${dir}/`),
        `  ${files.html}      open in a browser: topology, reachability matrix, every flow hop by hop`,
        `  ${files.pcapng}     open in Wireshark: every hop's frame with its XDP verdict and a comment`,
        `  ${files.markdown}      the CI summary;  ${files.junit}: JUnit XML;  ${files.json}: everything as JSON`,
        '',
        'Trace one flow: twinplane trace scenarios/demo.yaml --flow web-1->app-1 --level detailed',
        '',
      ].join('\n'),
    );
    return doc.ok && files.failed.length === 0 ? EXIT.ok : EXIT.failure;
  },
};
