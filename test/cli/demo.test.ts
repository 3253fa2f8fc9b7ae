// `twinplane demo`: the demo scenario end to end, reports written where it says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_ONLY } from '../support/bpf-gate.ts';

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-demo-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinplane demo', () => {
  it('runs the demo (model and kernel side by side as root), writes every report, exit 0', () => {
    const out = join(dir, 'demo');
    const r = twinplane('demo', '--report', out, ...(MODEL_ONLY ? ['--target', 'model'] : []));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(MODEL_ONLY ? /on model/ : /^demo \(scenarios\/demo\.yaml\) on both$/m);
    expect(r.stdout).toMatch(new RegExp(`Reports in ${out}/`));
    for (const f of ['index.html', 'run.pcapng', 'summary.md', 'junit.xml', 'run.json']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).ok).toBe(true);
  });

  it('demo compare: the comparison scenario on both data planes, its report under --report', () => {
    const out = join(dir, 'cmp');
    const r = twinplane('demo', 'compare', '--report', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^## twinplane compare: compare \(`.*scenarios\/compare\.yaml`\)$/m);
    expect(r.stdout).toMatch(/\| tenants isolated \| yes \(0 of \d+ pairs crossed\) \| \*\*not isolated\*\*/);
    expect(r.stdout).toContain(`Reports in ${out}/`);
    for (const f of ['index.html', 'summary.md', 'compare.json']) expect(existsSync(join(out, f)), f).toBe(true);
  });

  it("demo compare refuses the main demo's flags, and an unknown section, with exit 2", () => {
    const a = twinplane('demo', 'compare', '--target', 'xdp');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--target is a flag of the main demo; `demo compare` takes --report and --json/);
    const b = twinplane('demo', 'comapre');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/"comapre" is not a section of the demo \(the one there is: compare\)/);
  });

  it('--target model says in the report that only the model ran when asked', () => {
    const out = join(dir, 'm');
    const r = twinplane('demo', '--report', out, '--target', 'model');
    expect(r.stdout).toMatch(/on model/);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/target `model`/);
  });

  it('--help', () => {
    expect(twinplane('demo', '--help').stdout).toMatch(
      /^Usage: twinplane demo \[section\] \[--target <model\|xdp\|both>\] \[--json\] \[--report <dir>\] \[--junit <file>\] \[--pcap <file>\] \[--filter <expr>\] \[--option-class <class>\]$/m,
    );
  });
});
