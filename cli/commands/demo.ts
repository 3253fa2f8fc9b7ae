// twinplane demo: the shipped demo scenario on the model and on the real XDP, hop by hop
// (the model alone, said loudly, where this machine cannot load BPF), with the HTML report,
// the pcapng, the Markdown summary, the JUnit XML and the JSON written under one folder.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, ParsedArgs } from '../args.ts';
import { UserError } from '../errors.ts';
import { FILTER_FLAG, parseFilterFlag } from '../filter.ts';
import type { Io } from '../io.ts';
import { checkOutputs, outputFlags } from '../outputs.ts';
import { loadScenarioArgs } from '../scenarios.ts';
import { OPTION_CLASS_FLAG, parseOptionClass, withOptionClass } from '../option-class.ts';
import { chooseTarget, parseTarget, targetFlag } from '../target-flag.ts';
import { RUN_OUTPUTS, executeRun } from './run.ts';
import { parseProfiles, parseSizes, runCompare } from './compare.ts';
import { DEFAULT_PODS_PER_HOST } from '../../harness/compare/compare-profiles.ts';

export const DEMO_SCENARIO = fileURLToPath(new URL('../../scenarios/demo.yaml', import.meta.url));
export const COMPARE_SCENARIO = fileURLToPath(new URL('../../scenarios/compare.yaml', import.meta.url));
export const DEFAULT_REPORT = 'out/demo';
export const DEFAULT_COMPARE_REPORT = 'out/demo/compare';

/** Shown in reports and messages: relative to where the user stands when that is shorter. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/** `demo compare`: the comparison scenario on both data planes, with its report. */
async function compareSection(args: ParsedArgs, io: Io): Promise<number> {
  for (const f of ['target', 'filter', 'option-class', 'junit', 'pcap'])
    if (args.flags[f] !== undefined) throw new UserError(`--${f} is a flag of the main demo; \`demo compare\` takes --report and --json`);
  const report = typeof args.flags.report === 'string' ? args.flags.report : DEFAULT_COMPARE_REPORT;
  const file = shown(COMPARE_SCENARIO);
  const o = {
    profiles: parseProfiles(undefined),
    sizes: parseSizes(undefined),
    podsPerHost: DEFAULT_PODS_PER_HOST,
    json: args.flags.json === true,
    report,
  };
  const code = await runCompare(file, o, io);
  if (!o.json)
    await io.out(
      [
        '',
        io.style.bold(`Reports in ${report}/`),
        `  index.html      open in a browser: both data planes side by side, writes against cluster size plotted`,
        `  summary.md      the same as Markdown;  compare.json: everything as JSON`,
        '',
        `Compare another scenario: twinplane compare <scenario.yaml> --profiles mizar,dcos`,
        '',
      ].join('\n'),
    );
  return code;
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
    `Writes index.html, run.pcapng, summary.md, junit.xml and run.json under --report (default ${DEFAULT_REPORT}).`,
    '',
    '`demo compare` instead runs `twinplane compare` on scenarios/compare.yaml: the same cluster on',
    `the mizar and dcos data planes side by side, its report under --report (default ${DEFAULT_COMPARE_REPORT}).`,
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
  positionals: [
    { name: 'section', description: '`compare`: the comparison of the two data planes instead (scenarios/compare.yaml)', optional: true },
  ],
  async run(args, io: Io) {
    if (args.positionals.length > 0) {
      if (args.positionals[0] !== 'compare')
        throw new UserError(`${JSON.stringify(args.positionals[0])} is not a section of the demo (the one there is: compare)`);
      return compareSection(args, io);
    }
    const filter = parseFilterFlag(args.flags.filter);
    const optionClass = parseOptionClass(args.flags['option-class']);
    const given = parseTarget(args.flags.target, 'demo', ['model', 'xdp', 'both']);
    const file = shown(DEMO_SCENARIO);
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
