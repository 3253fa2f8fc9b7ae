// `twinplane live clean` (cli/commands/live-clean.ts; kept here with the other live tests):
// removes abandoned runs, keeps live ones, refuses unknown actions. Every removing call is
// scoped with --run to this file's own runs: other suites run on this machine meanwhile.
import { afterAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { command } from '../../../cli/commands/live-clean.ts';
import type { Io } from '../../../cli/io.ts';
import { ip, listNetns } from '../../../harness/ip.ts';
import { closeRun, openRun } from '../../../harness/live/lifecycle.ts';
import { newRunPrefix } from '../../../harness/live/prefix.ts';
import { expectNothingLeft } from './live-fixtures.ts';

function fakeIo(): Io & { text: () => string } {
  let out = '';
  const id = (s: string): string => s;
  return {
    colour: false,
    style: { bold: id, dim: id, red: id, green: id, yellow: id, cyan: id },
    out: async (t) => void (out += t),
    err: (l) => void (out += l + '\n'),
    text: () => out,
  };
}

describeBpf('twinplane live clean', () => {
  const stale = newRunPrefix();
  let live = '';
  afterAll(() => {
    if (live) closeRun(live);
    expectNothingLeft([stale, live].filter(Boolean));
  });

  it('lists with --dry-run, then removes the abandoned run and keeps the live one', async () => {
    ip(['netns', 'add', `${stale}x`]);
    live = openRun();
    ip(['netns', 'add', `${live}x`]);

    const dry = fakeIo();
    expect(await command.run({ flags: { 'dry-run': true }, positionals: ['clean'] }, dry)).toBe(0);
    expect(dry.text()).toContain(`would remove ${stale}`);
    expect(dry.text()).toContain(`would keep   ${live}`);
    expect(listNetns()).toContain(`${stale}x`);

    const io = fakeIo();
    expect(await command.run({ flags: { run: stale }, positionals: ['clean'] }, io)).toBe(0);
    expect(io.text()).toContain(`removed ${stale}`);
    expect(await command.run({ flags: { run: live }, positionals: ['clean'] }, io)).toBe(0);
    expect(io.text()).toContain(`kept    ${live}`);
    expect(listNetns()).not.toContain(`${stale}x`);
    expect(listNetns()).toContain(`${live}x`);
  });

  it('refuses a --run that is not a run prefix, naming it', async () => {
    await expect(command.run({ flags: { run: 'eth0' }, positionals: ['clean'] }, fakeIo())).rejects.toThrow(
      /--run: 'eth0' is not a run prefix/,
    );
  });

  it('rejects an unknown action', async () => {
    await expect(command.run({ flags: {}, positionals: ['nuke'] }, fakeIo())).rejects.toThrow(/unknown action 'nuke'/);
  });
});
