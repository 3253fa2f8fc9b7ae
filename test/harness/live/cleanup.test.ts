// Always clean: a run killed outright (SIGKILL) leaves namespaces that cleanupAll()
// removes, while a run stopped by SIGTERM or SIGINT removes its own. cleanupAll() leaves
// runs alone whose owner is still alive. Every call here is scoped to this file's own runs
// (`only`): other worktrees' suites run on this machine at the same time.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { cleanupAll, findLeftovers } from '../../../harness/live/cleanup.ts';
import { ip, listNetns } from '../../../harness/ip.ts';
import { closeRun, openRun } from '../../../harness/live/lifecycle.ts';
import { newRunPrefix } from '../../../harness/live/prefix.ts';
import { expectNothingLeft } from './live-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const CHILD = resolve(import.meta.dirname, 'child/topology-child.ts');

interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout line object that satisfies `pred`. */
  until(pred: (o: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(endpoints: number): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, String(endpoints)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  let err = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l.trim()) seen.push(JSON.parse(l) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.once('exit', (code, signal) => res({ code, signal })),
  );
  const until = (pred: (o: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> =>
    new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`child: condition not met in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      const check = (): void => {
        const hit = seen.find(pred);
        if (hit) {
          clearTimeout(timer);
          res(hit);
        } else if (proc.exitCode !== null || proc.signalCode !== null) {
          clearTimeout(timer);
          rej(new Error(`child exited early; stderr: ${err}`));
        } else waiters.push(check);
      };
      check();
    });
  return { proc, until, exited };
}

/** Running (a zombie waiting for its new parent to reap it counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describeBpf('live cleanup', () => {
  const prefixes: string[] = [];
  const children: ChildProcess[] = [];

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // A failed test may have left a killed child's run: mop up (ours only) before checking.
    cleanupAll({ only: prefixes });
    expectNothingLeft(prefixes);
  });

  it('cleanupAll() removes a run whose builder was SIGKILLed mid-build, with a capture open', async () => {
    const child = startChild(40);
    children.push(child.proc);
    const { prefix } = (await child.until((o) => 'prefix' in o)) as { prefix: string };
    prefixes.push(prefix);
    await child.until((o) => o.tapOpen === true);
    await child.until((o) => o.endpoint === 3);
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');

    const before = findLeftovers(prefix);
    expect(before.namespaces.length).toBeGreaterThanOrEqual(1 + 2 + 4);
    expect(before.markers).toEqual([prefix]);

    const r = cleanupAll({ only: [prefix] });
    expect(r.cleaned).toEqual([prefix]);
    expect(r.skipped).toEqual([]);
    expectNothingLeft([prefix]);
    expect(alive(child.proc.pid!)).toBe(false);
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`a builder stopped by ${sig} removes its own run`, async () => {
      const child = startChild(sig === 'SIGINT' ? 40 : 3);
      children.push(child.proc);
      const { prefix } = (await child.until((o) => 'prefix' in o)) as { prefix: string };
      prefixes.push(prefix);
      // SIGTERM once built and idle; SIGINT in the middle of building.
      await child.until((o) => (sig === 'SIGINT' ? o.endpoint === 2 : o.built === true));
      child.proc.kill(sig);
      expect((await child.exited).signal).toBe(sig);
      expectNothingLeft([prefix]);
    });
  }

  it('cleanupAll() leaves a run alone while its owner lives, unless forced', () => {
    const prefix = openRun();
    prefixes.push(prefix);
    try {
      ip(['netns', 'add', `${prefix}probe`]);
      const r = cleanupAll({ only: [prefix] });
      expect(r.skipped).toEqual([prefix]);
      expect(listNetns()).toContain(`${prefix}probe`);
    } finally {
      closeRun(prefix);
    }
    expectNothingLeft([prefix]);
  });

  it('treats namespaces with our prefix but no marker as abandoned', () => {
    // A fresh prefix whose marker was never written: unique per run, so a parallel suite's
    // own test cannot collide with this one.
    const prefix = newRunPrefix();
    prefixes.push(prefix);
    ip(['netns', 'add', `${prefix}orphan`]);
    expect(cleanupAll({ only: [prefix] }).cleaned).toEqual([prefix]);
    expectNothingLeft([prefix]);
  });

  it('touches nothing outside `only`', () => {
    const mine = newRunPrefix();
    const other = newRunPrefix();
    prefixes.push(mine, other);
    try {
      ip(['netns', 'add', `${mine}x`]);
      ip(['netns', 'add', `${other}x`]);
      expect(cleanupAll({ only: [mine] }).cleaned).toEqual([mine]);
      expect(listNetns()).toContain(`${other}x`);
      expect(listNetns()).not.toContain(`${mine}x`);
    } finally {
      cleanupAll({ only: [mine, other] });
    }
  });
});
