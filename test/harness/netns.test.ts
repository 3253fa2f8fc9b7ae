import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { addDummy, enterPrivateNetns, ensureIfindexes, inPrivateNetns, links } from '../../harness/netns.ts';
import { describeBpf } from '../support/bpf-gate.ts';

const devNames = (path: string): string[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0].trim())
    .filter((n) => n !== '');

describeBpf('private network namespace', () => {
  it('starts with only loopback at ifindex 1', () => {
    enterPrivateNetns();
    expect(inPrivateNetns()).toBe(true);
    expect(links()).toEqual([{ name: 'lo', ifindex: 1 }]);
  });

  it('creates interfaces with the ifindexes asked for', () => {
    const made = ensureIfindexes([1, 5, 42]);
    expect(made.map((i) => [i.name, i.ifindex])).toEqual([
      ['lo', 1],
      ['tpd5', 5],
      ['tpd42', 42],
    ]);
    expect(
      links()
        .map((l) => l.ifindex)
        .sort((x, y) => x - y),
    ).toEqual([1, 5, 42]);
    // Asking again is harmless.
    expect(addDummy(5).ifindex).toBe(5);
  });

  it("moves only this thread: the process's other threads keep the original namespace", () => {
    ensureIfindexes([6]);
    expect(devNames('/proc/thread-self/net/dev')).toContain('tpd6');
    const other = readdirSync('/proc/self/task').find((t) => t !== String(process.pid));
    expect(other).toBeDefined();
    expect(devNames(`/proc/self/task/${other}/net/dev`)).not.toContain('tpd6');
  });

  it('is inherited by child processes spawned afterwards', () => {
    ensureIfindexes([8]);
    const out = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    expect(out).toContain('tpd8');
    expect(out.trim().split('\n')).toHaveLength(links().length);
  });

  it('refuses an ifindex held by another name', () => {
    ensureIfindexes([9]);
    expect(() => addDummy(9, 'other9')).toThrow(/already taken by tpd9/);
  });
});
