// twinplane demo: the shipped demo scenario on the model and on the real XDP, hop by hop
// (the model alone, said loudly, where this machine cannot load BPF), with the HTML report,
// the pcapng, the Markdown summary, the JUnit XML and the JSON written under one folder.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../args.ts';
import { UserError } from '../errors.ts';
import { FILTER_FLAG, parseFilterFlag } from '../filter.ts';
import type { Io } from '../io.ts';
import { checkOutputs, outputFlags } from '../outputs.ts';
import { loadScenarioArgs } from '../scenarios.ts';
import { OPTION_CLASS_FLAG, parseOptionClass, withOptionClass } from '../option-class.ts';
import { chooseTarget, parseTarget, targetFlag } from '../target-flag.ts';
import { RUN_OUTPUTS, executeRun } from './run.ts';

export const DEMO_SCENARIO = fileURLToPath(new URL('../../scenarios/demo.yaml', import.meta.url));
export const DEFAULT_REPORT = 'out/demo';

export const command: Command = {
  name: 'demo',
  summary: 'Run the demo scenario on the model and the real XDP; write the HTML report and the pcapng.',
  description: [
    `Runs ${'scenarios/demo.yaml'} — two tenants on three hosts: pings within and across subnets, a`,
    'refused cross-tenant ping, 40 pods provisioned, the direct path learnt from the ARP reply,',
    'a service behind a VIP — hop by hop on the model and in the kernel, and fails on any',
    'difference. Without BPF (not root, no CAP_BPF) it runs the model only and says so.',
    '',
    `Writes index.html, run.pcapng, summary.md, junit.xml and run.json under --report (default ${DEFAULT_REPORT}).`,
    '',
    'Exit status: 0 passed, 1 a check failed or model and kernel differed, 2 bad input.',
  ].join('\n'),
  flags: {
    target: targetFlag(['model', 'xdp', 'both']),
    ...outputFlags(RUN_OUTPUTS, { report: `where the reports go (default ${DEFAULT_REPORT})` }),
    filter: FILTER_FLAG,
    'option-class': OPTION_CLASS_FLAG,
  },
  renamed: { out: 'report' },
  positionals: [],
  async run(args, io: Io) {
    const filter = parseFilterFlag(args.flags.filter);
    const optionClass = parseOptionClass(args.flags['option-class']);
    const given = parseTarget(args.flags.target, 'demo', ['model', 'xdp', 'both']);
    // Shown in reports: relative to where the user stands when that is shorter.
    const rel = relative(process.cwd(), DEMO_SCENARIO);
    const file = rel.startsWith('..') ? DEMO_SCENARIO : rel;
    const outputs = checkOutputs(args.flags, RUN_OUTPUTS, [file], { report: DEFAULT_REPORT });
    let scenarios;
    try {
      scenarios = withOptionClass(loadScenarioArgs([file]), optionClass);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`the shipped demo scenario does not load: ${e.message}`, e.exitCode);
      throw e;
    }
    const { target, notices } = await chooseTarget(given, 'demo', ['model', 'xdp', 'both'], io);
    const { code } = await executeRun(scenarios, { target, notices, outputs, ...(filter ? { filter } : {}) }, io, 'demo');
    if (!outputs.json) {
      const dir = outputs.report!;
      await io.out(
        [
          '',
          io.style.bold(`Reports in ${dir}/`),
          `  index.html      open in a browser: topology, reachability matrix, every flow hop by hop`,
          `  run.pcapng      open in Wireshark: every hop's frame with its XDP verdict and a comment`,
          `  summary.md      the CI summary;  junit.xml: JUnit XML;  run.json: everything as JSON`,
          '',
          'Trace one flow: twinplane trace scenarios/demo.yaml --flow web-1->app-1 --level detailed',
          '',
        ].join('\n'),
      );
    }
    return code;
  },
};
