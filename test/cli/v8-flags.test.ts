// The V8 flags twinplane's processes run with (cli/v8-flags.ts): each is one this Node's V8
// knows and sets to something other than its default (setFlagsFromString only warns about a
// flag it does not know, so a Node upgrade that renamed one would lose the speed quietly),
// and the test workers run under them.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { V8_FLAGS } from '../../cli/v8-flags.ts';

const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;

describe('V8_FLAGS', () => {
  it.each(V8_FLAGS.map((f) => [f]))('%s is a flag of this V8, away from its default', (flag) => {
    const [name, value] = flag.split('=');
    const at = options.indexOf(`\n  ${name} `);
    expect(at, `${name} is not in node --v8-options`).toBeGreaterThan(-1);
    const def = /default: (\S+)/.exec(options.slice(at, at + 400))?.[1];
    expect(def, `no default printed for ${name}`).toBeDefined();
    expect(def).not.toBe(`${name}=${value}`);
  });

  it('the test workers run under them (vitest.config.ts execArgv)', () => {
    for (const f of V8_FLAGS) expect(process.execArgv).toContain(f);
  });

  it('a process given them starts and runs (V8 accepts the values)', () => {
    const r = spawnSync(process.execPath, [...V8_FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok');
  });
});
