// twinplane compare <scenario> [--profiles a,b]: the scenario's hosts, pods, services and
// flows built on each data plane, measured side by side (harness/compare), printed as a
// table, as JSON, or written as an HTML report with plots, Markdown and JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../args.ts';
import { EXIT, OutputWrites, UserError } from '../errors.ts';
import type { Io } from '../io.ts';
import { checkOutputDir, outputFlags } from '../outputs.ts';
import { expandScenarioPaths, loadScenarioArgs } from '../scenarios.ts';
import { DEFAULT_BACKENDS, DEFAULT_PODS_PER_HOST, DEFAULT_SIZES, compareProfiles } from '../../harness/compare/compare-profiles.ts';
import { PROFILES, PROFILE_NAMES, isProfileName } from '../../harness/profile/profiles.ts';
import { ProfileError, type Profile } from '../../harness/profile/profile.ts';
import { compareMarkdown } from '../../report/compare-markdown.ts';
import { comparePageHtml } from '../../report/html/compare-page.ts';

export const COMPARE_FILES = ['index.html', 'summary.md', 'compare.json'] as const;
const MAX_SIZE = 1_000_000;
const MAX_PODS_PER_HOST = 100;

export function parseProfiles(v: string | boolean | undefined): Profile[] {
  const text = typeof v === 'string' ? v : PROFILE_NAMES.join(',');
  const names = text.split(',').map((s) => s.trim());
  const out: Profile[] = [];
  for (const n of names) {
    if (!isProfileName(n))
      throw new UserError(`--profiles ${text}: ${JSON.stringify(n)} is not a profile (known: ${PROFILE_NAMES.join(', ')})`);
    if (out.includes(PROFILES[n])) throw new UserError(`--profiles ${text}: ${n} is named twice`);
    out.push(PROFILES[n]);
  }
  return out;
}

export function parseSizes(v: string | boolean | undefined): number[] {
  if (typeof v !== 'string') return [...DEFAULT_SIZES];
  const sizes = v.split(',').map((s) => s.trim());
  return sizes.map((s) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 2 || n > MAX_SIZE)
      throw new UserError(`--sizes ${v}: ${JSON.stringify(s)} is not a host count from 2 to ${MAX_SIZE.toLocaleString('en-US')}`);
    return n;
  });
}

function parseCount(flag: string, v: string | boolean | undefined, dflt: number, max: number): number {
  if (typeof v !== 'string') return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > max) throw new UserError(`--${flag} ${v}: not a whole number from 1 to ${max}`);
  return n;
}

export interface CompareRun {
  readonly profiles: readonly Profile[];
  readonly sizes: readonly number[];
  readonly podsPerHost: number;
  readonly json: boolean;
  readonly report?: string;
}

/** Compares one scenario file (checked, with the report folder, before any work); the exit status. */
export async function runCompare(file: string, o: CompareRun, io: Io): Promise<number> {
  const report = o.report;
  if (report !== undefined) checkOutputDir('report', report, COMPARE_FILES);
  const [scenario] = loadScenarioArgs([file], PROFILE_NAMES);
  let doc;
  try {
    doc = compareProfiles(scenario, o.profiles, {
      sizes: o.sizes,
      podsPerHost: o.podsPerHost,
      backends: DEFAULT_BACKENDS,
      progress: (what) => io.err(`twinplane compare: ${what}`),
    });
  } catch (e) {
    if (e instanceof ProfileError) throw new UserError(`${scenario.file}: ${e.message}`);
    throw e;
  }
  await io.out(o.json ? JSON.stringify(doc) + '\n' : compareMarkdown(doc));
  if (report === undefined) return EXIT.ok;
  const w = new OutputWrites(io, 'compare');
  w.attempt(report, () => mkdirSync(report, { recursive: true }));
  w.attempt(join(report, 'index.html'), () => writeFileSync(join(report, 'index.html'), comparePageHtml(doc)));
  w.attempt(join(report, 'summary.md'), () => writeFileSync(join(report, 'summary.md'), compareMarkdown(doc)));
  w.attempt(join(report, 'compare.json'), () => writeFileSync(join(report, 'compare.json'), JSON.stringify(doc, null, 1) + '\n'));
  return w.ok ? EXIT.ok : EXIT.failure;
}

export const command: Command = {
  name: 'compare',
  summary: 'the same scenario on several data planes side by side: writes, state, hops, overhead, isolation',
  description: [
    "Builds the scenario's hosts, pods and services on each profile (mizar: the Geneve overlay of",
    'docs/dataplane.md; dcos: the VXLAN overlay and L4 load balancer of docs/dcos.md), counts',
    "each control plane's map writes per host, pod and service and each host's kernel state, plays",
    "each plain send's first and a later packet on the profile's model (underlay hops, program runs,",
    'hosts touched, encapsulation bytes), probes every cross-tenant pair, and measures the writes of',
    'one host joining, one pod and one service backend in clusters of --sizes hosts. Sizes past what',
    'a profile can build in memory are computed by the rule the built sizes follow, and say so. What a',
    'profile cannot express (tenancy, on dcos) is reported as such, never dropped.',
    '',
    `Writes ${COMPARE_FILES.join(', ')} under --report.`,
    '',
    'Exit status: 0 compared, 2 bad input (or a scenario a profile cannot build).',
  ].join('\n'),
  flags: {
    profiles: { type: 'string', value: 'a,b', description: `the data planes, comma-separated (default ${PROFILE_NAMES.join(',')})` },
    sizes: {
      type: 'string',
      value: 'n,…',
      description: `cluster sizes in hosts for the scale figures (default ${DEFAULT_SIZES.join(',')})`,
    },
    'pods-per-host': {
      type: 'string',
      value: 'n',
      description: `pods on every host of the scale clusters (default ${DEFAULT_PODS_PER_HOST})`,
    },
    ...outputFlags(['json', 'report'], {
      json: 'print the comparison as JSON on stdout (schema: report/json-schema/compare.schema.json)',
      report: `write ${COMPARE_FILES.join(', ')} into this folder (created if missing)`,
    }),
  },
  positionals: [{ name: 'scenario', description: 'one scenario file' }],
  async run(args, io: Io) {
    const profiles = parseProfiles(args.flags.profiles);
    const sizes = parseSizes(args.flags.sizes);
    const podsPerHost = parseCount('pods-per-host', args.flags['pods-per-host'], DEFAULT_PODS_PER_HOST, MAX_PODS_PER_HOST);
    const files = expandScenarioPaths(args.positionals);
    if (files.length !== 1)
      throw new UserError(`${args.positionals[0]}: compare takes one scenario file, this folder holds ${files.length}`);
    const report = typeof args.flags.report === 'string' ? args.flags.report : undefined;
    return runCompare(files[0], { profiles, sizes, podsPerHost, json: args.flags.json === true, ...(report ? { report } : {}) }, io);
  },
};
