// `twinplane watch`: runs, waits, runs again when the scenario changes, reports a broken
// edit and recovers from it; --runs bounds it (so this test ends by itself).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-watch-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('twinplane watch', () => {
  it('reruns on every change of the scenario, reports a broken edit, stops after --runs', async () => {
    const file = join(dir, 's.yaml');
    copyFileSync('scenarios/two-tenants.yaml', file);
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      'cli/twinplane.ts',
      'watch',
      file,
      '--target',
      'model',
      '--runs',
      '3',
      '--interval',
      '50',
    ]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const until = async (f: () => boolean): Promise<void> => {
      for (let i = 0; i < 600 && !f(); i++) await new Promise((r) => setTimeout(r, 50));
      if (!f()) throw new Error(`timed out; stdout:\n${out}\nstderr:\n${err}`);
    };
    await until(() => /watching /.test(out));
    expect(out.match(/^1 scenario passed on model$/gm)).toHaveLength(1);
    // A broken edit: reported with its line, and the watch goes on.
    writeFileSync(file, readFileSync('scenarios/two-tenants.yaml', 'utf8').replace('name: two-tenants', 'name: two tenants'));
    await until(() => /── change seen: run 2 ──/.test(out) && /s\.yaml:\d+:\d+: name: /.test(err));
    await until(() => (out.match(/watching /g) ?? []).length >= 2);
    copyFileSync('scenarios/two-tenants.yaml', file);
    const code = await Promise.race([
      exited,
      new Promise<string>((r) => setTimeout(() => r(`still running; stdout:\n${out}\nstderr:\n${err}`), 30_000)),
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(/── change seen: run 3 ──/);
    expect(out.match(/^1 scenario passed on model$/gm)).toHaveLength(2);
    expect(err).not.toMatch(/^\s+at /m);
  });
});
