// The bin package.json names: the compiled CLI, the same answers as the sources, and never
// stale — a source that differs from the build's manifest makes it rebuild before running.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { twinplane: string } };
const MANIFEST = 'build/cli/current.json';

function run(cmd: string, args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the twinplane bin', () => {
  it('is cli/bin.mjs and answers as the sources do', () => {
    expect(pkg.bin.twinplane).toBe('cli/bin.mjs');
    const fromSources = run(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', '--help']);
    const fromBin = run(pkg.bin.twinplane, ['--help']);
    expect(fromBin).toEqual({ code: 0, stdout: fromSources.stdout, stderr: '' });
    expect(run(pkg.bin.twinplane, ['decode', 'pcaps/sample-geneve.pcap', '--filter', 'vni 100']).stdout).toBe(
      run(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', 'decode', 'pcaps/sample-geneve.pcap', '--filter', 'vni 100']).stdout,
    );
  });

  it('rebuilds when a source no longer matches the build (as after an edit), then runs', () => {
    run(pkg.bin.twinplane, ['--version']);
    const before = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { dir: string; inputs: { path: string; mtimeMs: number }[] };
    const edited = { ...before, inputs: before.inputs.map((i, n) => (n === 0 ? { ...i, mtimeMs: i.mtimeMs - 1000 } : i)) };
    writeFileSync(MANIFEST, JSON.stringify(edited));
    const r = run(pkg.bin.twinplane, ['--version']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^twinplane \d+\.\d+\.\d+\n$/);
    const after = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { dir: string };
    expect(after.dir).not.toBe(before.dir);
  });
});
