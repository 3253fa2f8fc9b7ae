// The output flags, the same names on every command: --json (stdout), --report <dir>
// (index.html, summary.md, junit.xml, run.json, run.pcapng), --junit <file>, --pcap <file>.
// Every path is checked before any work starts, so a typo costs nothing: a folder where a
// file goes, a file where a folder goes, a parent that does not exist, no write permission,
// an output that is also an input, two outputs on one file — each is exit 2 with the flag.
import { accessSync, constants, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FlagSpec } from './args.ts';
import { UserError, fsReason } from './errors.ts';

export type OutputName = 'json' | 'report' | 'junit' | 'pcap';

export const REPORT_FILES = ['index.html', 'summary.md', 'junit.xml', 'run.json', 'run.pcapng'] as const;

export const OUTPUT_FLAGS: Readonly<Record<OutputName, FlagSpec>> = {
  json: { type: 'boolean', description: 'print JSON on stdout instead of text (schema: report/json-schema/run.schema.json)' },
  report: { type: 'string', value: 'dir', description: `write ${REPORT_FILES.join(', ')} into this folder (created if missing)` },
  junit: { type: 'string', value: 'file', description: 'write JUnit XML: one testcase per expectation, invariant and mismatch' },
  pcap: { type: 'string', value: 'file', description: "write a pcapng: every hop's frames with their XDP verdicts and a comment" },
};

/** The output flags a command takes, with its own wording where the meaning narrows. */
export function outputFlags(names: readonly OutputName[], overrides: Partial<Record<OutputName, string>> = {}): Record<string, FlagSpec> {
  return Object.fromEntries(names.map((n) => [n, { ...OUTPUT_FLAGS[n], ...(overrides[n] ? { description: overrides[n] } : {}) }]));
}

export interface Outputs {
  readonly json: boolean;
  readonly report?: string;
  readonly junit?: string;
  readonly pcap?: string;
}

function stat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UserError(`${path}: ${fsReason(e) ?? 'cannot be examined'}`);
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where a path really lives, so `a.pcap` and `./x/../a.pcap` (or a link to it) compare equal. */
function identity(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** The nearest ancestor that exists (mkdir -p creates the rest): it must be a writable folder. */
function checkCreatable(flag: string, path: string): void {
  let dir = dirname(resolve(path));
  for (;;) {
    const st = stat(dir);
    if (st !== undefined) {
      if (!st.isDirectory()) throw new UserError(`--${flag} ${path}: ${dir} is a file, not a folder`);
      if (!canWrite(dir)) throw new UserError(`--${flag} ${path}: cannot create it in ${dir}: permission denied`);
      return;
    }
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/** An output file: not a folder, its folder exists and takes writes. */
export function checkOutputFile(flag: string, path: string): void {
  const st = stat(path);
  if (st?.isDirectory())
    throw new UserError(
      `--${flag} ${path}: is a folder; give a file name (e.g. ${join(path, flag === 'junit' ? 'junit.xml' : 'out.pcapng')})`,
    );
  if (st !== undefined) {
    // /dev/null and pipes are fine places for output; sockets and block devices are not.
    if (!st.isFile() && !st.isCharacterDevice() && !st.isFIFO()) throw new UserError(`--${flag} ${path}: is not a regular file`);
    if (!canWrite(path)) throw new UserError(`--${flag} ${path}: cannot write it: permission denied`);
    return;
  }
  const dir = dirname(resolve(path));
  const d = stat(dir);
  if (d === undefined) throw new UserError(`--${flag} ${path}: the folder ${dir} does not exist`);
  if (!d.isDirectory()) throw new UserError(`--${flag} ${path}: ${dir} is a file, not a folder`);
  if (!canWrite(dir)) throw new UserError(`--${flag} ${path}: cannot create it in ${dir}: permission denied`);
}

/** An output folder: a folder if it exists (and its report files are not folders), else creatable. */
export function checkOutputDir(flag: string, path: string, files: readonly string[]): void {
  const st = stat(path);
  if (st === undefined) {
    checkCreatable(flag, path);
    return;
  }
  if (!st.isDirectory()) throw new UserError(`--${flag} ${path}: is a file, not a folder`);
  if (!canWrite(path)) throw new UserError(`--${flag} ${path}: cannot write into it: permission denied`);
  for (const f of files) {
    const inner = stat(join(path, f));
    if (inner?.isDirectory()) throw new UserError(`--${flag} ${path}: ${join(path, f)} is a folder, where the report writes a file`);
    if (inner !== undefined && !canWrite(join(path, f)))
      throw new UserError(`--${flag} ${path}: cannot overwrite ${join(path, f)}: permission denied`);
  }
}

/**
 * Reads the output flags of `names` and checks every path before work starts. `inputs` are
 * the files the command reads: writing one of them would destroy it mid-read.
 */
export function checkOutputs(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  names: readonly OutputName[],
  inputs: readonly string[] = [],
  defaults: { report?: string } = {},
): Outputs {
  const take = (n: OutputName): string | undefined =>
    names.includes(n) && typeof flags[n] === 'string' ? (flags[n] as string) : undefined;
  const report = take('report') ?? defaults.report;
  const junit = take('junit');
  const pcap = take('pcap');
  const written: { flag: string; path: string }[] = [];
  if (report !== undefined) {
    checkOutputDir('report', report, REPORT_FILES);
    for (const f of REPORT_FILES) written.push({ flag: `report (${f})`, path: join(report, f) });
  }
  if (junit !== undefined) {
    checkOutputFile('junit', junit);
    written.push({ flag: 'junit', path: junit });
  }
  if (pcap !== undefined) {
    checkOutputFile('pcap', pcap);
    written.push({ flag: 'pcap', path: pcap });
  }
  const inputIds = new Map(inputs.map((i) => [identity(i), i]));
  const seen = new Map<string, string>();
  for (const w of written) {
    const id = identity(w.path);
    const input = inputIds.get(id);
    if (input !== undefined)
      throw new UserError(`--${w.flag.split(' ')[0]} ${w.path}: is also an input (${input}); writing it would destroy what is read`);
    const other = seen.get(id);
    // /dev/null (or any device) may take every output at once.
    if (other !== undefined && !id.startsWith('/dev/'))
      throw new UserError(`--${w.flag.split(' ')[0]} ${w.path}: --${other.split(' ')[0]} writes the same file; give each output its own`);
    seen.set(id, w.flag);
  }
  return {
    json: names.includes('json') && flags.json === true,
    ...(report ? { report } : {}),
    ...(junit ? { junit } : {}),
    ...(pcap ? { pcap } : {}),
  };
}
