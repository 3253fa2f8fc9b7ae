// The live commands end to end, as a user runs them: `live run --json` and
// `run --target live --json` print JSON (no BigInt reaches it), exit 0 on a passing
// scenario; a broken scenario file exits 2 with a located message, no stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { expectNothingLeft } from './live-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const SCENARIO = join(ROOT, 'scenarios/two-tenants.yaml');

function cli(args: string[], tmp: string): { code: number | null; out: string; err: string } {
  // TMPDIR: a run without --captures writes its pcapngs under the system's tmp; keep them in ours.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TMPDIR: tmp },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describeBpf('twinplane live run / run --target live', () => {
  const prefixes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tp-live-cli-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expectNothingLeft(prefixes);
  });

  for (const args of [
    ['live', 'run', SCENARIO, '--json', '--captures', join(dir, 'a')],
    ['run', SCENARIO, '--target', 'live', '--json'],
  ]) {
    it(`${args[0] === 'live' ? 'live run' : 'run --target live'} --json prints the run as JSON and exits 0`, () => {
      const r = cli(args, dir);
      expect(r.err).not.toMatch(/BigInt|internal error/);
      expect(r.code, r.err).toBe(0);
      const doc = JSON.parse(r.out) as { ok: boolean; prefix: string; sends: Array<{ played: string }> };
      prefixes.push(doc.prefix);
      expect(doc.ok).toBe(true);
      expect(doc.sends.length).toBeGreaterThan(0);
    });
  }

  it('a broken scenario exits 2 naming the file and line, without a stack trace', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nhosts:\n  - { name: n1, ip: 300.1.1.1 }\n');
    const r = cli(['live', 'run', bad], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml:3:\d+/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
