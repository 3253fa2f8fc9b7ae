// `twinplane compare` run as users run it: a child process on a scenario file.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompareDoc } from '../../report/json-schema/compare-doc.ts';

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'tp-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinplane compare: bad input is exit 2, named, before any work', () => {
  it.each([
    [
      ['compare', 'scenarios/compare.yaml', '--profiles', 'mizar,ovn'],
      /--profiles mizar,ovn: "ovn" is not a profile \(known: mizar, dcos\)/,
    ],
    [['compare', 'scenarios/compare.yaml', '--profiles', 'mizar,mizar'], /mizar is named twice/],
    [['compare', 'scenarios/compare.yaml', '--sizes', '10,1e3'], /--sizes 10,1e3: "1e3" is not a host count from 2 to 1,000,000/],
    [['compare', 'scenarios/compare.yaml', '--sizes', '1'], /"1" is not a host count/],
    [['compare', 'scenarios/compare.yaml', '--pods-per-host', '0'], /--pods-per-host 0: not a whole number from 1 to 100/],
    [['compare', 'scenarios/'], /compare takes one scenario file, this folder holds \d+/],
    [['compare', 'scenarios/no-such.yaml'], /scenarios\/no-such\.yaml/],
    [
      ['compare', 'scenarios/compare.yaml', '--report', 'scenarios/compare.yaml'],
      /--report scenarios\/compare\.yaml: is a file, not a folder/,
    ],
  ])('%j', (args, message) => {
    const r = twinplane(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toMatch(/twinplane compare: mizar:/);
  });

  it('refuses a scenario whose YAML is broken with its line and column', () => {
    const f = join(dir, 'broken.yaml');
    writeFileSync(f, 'name: x\nhosts: [\n');
    const r = twinplane('compare', f);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:`);
  });
});

describe('twinplane compare on mizar alone', () => {
  it('prints the table, writes the report, and the JSON holds the same document', () => {
    const out = join(dir, 'report');
    const r = twinplane('compare', 'scenarios/compare.yaml', '--profiles', 'mizar', '--sizes', '10,100,1000', '--report', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^## twinplane compare: compare/);
    expect(r.stdout).toContain('| tenants isolated | yes (0 of ');
    for (const f of ['index.html', 'summary.md', 'compare.json']) expect(existsSync(join(out, f))).toBe(true);
    const doc = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareDoc;
    expect(doc.profiles.map((p) => p.name)).toEqual(['mizar']);
    expect(doc.sizes).toEqual([10, 100, 1000]);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('writes when one host joins');
    const j = twinplane('compare', 'scenarios/compare.yaml', '--profiles', 'mizar', '--sizes', '10,100,1000', '--json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual(doc);
  });

  it('refuses a scenario of another profile on run, at its profile line', () => {
    const f = join(dir, 'dcos.yaml');
    writeFileSync(f, readFileSync('scenarios/compare.yaml', 'utf8').replace('profile: mizar', 'profile: dcos'));
    const r = twinplane('run', f, '--target', 'model');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${f}:11:10: profile: dcos — this command plays mizar scenarios; \`twinplane compare ${f}\` plays it on every profile`,
    );
  });
});
