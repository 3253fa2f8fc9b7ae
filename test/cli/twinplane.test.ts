// The command skeleton: dispatch, help, flags, exit codes, no stack traces for user errors.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { COMMANDS } from '../../cli/command-table.ts';
import { commandHelp } from '../../cli/args.ts';

function twinplane(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/twinplane.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STACK = /^\s+at /m;

describe('twinplane', () => {
  it('--help lists the commands and exits 0', () => {
    const r = twinplane('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: twinplane <command>/);
    expect(r.stdout).toMatch(/^ {2}decode /m);
    expect(r.stdout).toMatch(/^ {2}demo /m);
  });

  it('no command: the help on stderr, exit 2', () => {
    const r = twinplane();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Usage: twinplane <command>/);
  });

  it('an unknown command: exit 2, names the known ones', () => {
    const r = twinplane('frobnicate');
    expect(r.code).toBe(2);
    const names = COMMANDS.map((c) => c.name).join(', ');
    expect(r.stderr).toBe(`twinplane: unknown command 'frobnicate' (commands: ${names}; see 'twinplane --help')\n`);
  });

  it('a misspelt command: the nearest one offered', () => {
    const r = twinplane('tarce');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^twinplane: unknown command 'tarce'; did you mean 'trace'\? /);
  });

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V'])
      expect(twinplane(flag)).toMatchObject({ code: 0, stdout: `twinplane ${pkg.version}\n`, stderr: '' });
  });

  it('every command has --help, exit 0, with its usage line', () => {
    for (const cmd of COMMANDS.map((c) => c.name)) {
      const r = twinplane(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: twinplane ${cmd}\\b`));
      expect(twinplane('help', cmd).stdout).toBe(r.stdout);
    }
  });

  it('help is aligned: every option description starts in one column, lines stay within 100', async () => {
    for (const row of COMMANDS) {
      const { command } = await row.load();
      const help = commandHelp(command);
      const options = help
        .slice(help.indexOf('Options:\n') + 9)
        .trimEnd()
        .split('\n');
      // The description column: after the flag and two spaces, or the indent of a wrapped line;
      // a flag too long for its column stands alone on its line (no description to measure).
      const starts = new Set(
        options.flatMap((l) => {
          const cont = /^( +)[^\s-]/.exec(l);
          if (cont) return [cont[1].length];
          const m = /^(\s*\S.*?\S {2,})\S/.exec(l);
          return m ? [m[1].length] : [];
        }),
      );
      expect(starts.size, `${row.name}: ${[...starts].join(', ')}`).toBe(1);
      for (const l of help.split('\n')) if (!l.startsWith('Usage:')) expect(l.length, l).toBeLessThanOrEqual(100);
    }
  });

  it('required flags: in the usage without brackets, marked in the options, refused when absent', () => {
    const help = twinplane('replay', '--help').stdout;
    expect(help).toMatch(/^Usage: twinplane replay <capture> --scenario <file> --host <name> \[--iface/);
    expect(help).toMatch(/^ {6}--scenario <file> +\(required\) /m);
    expect(help).toMatch(/^ {6}--host <name> +\(required\) /m);
    expect(twinplane('replay', 'x.pcap', '--scenario', 'scenarios/demo.yaml')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^twinplane replay: --host <name> is required/),
    });
  });

  it('an unknown flag: exit 2, a clear message, no stack trace', () => {
    const r = twinplane('decode', 'x.pcapng', '--jsonn');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("twinplane decode: unknown option '--jsonn'; did you mean '--json'? (see 'twinplane decode --help')\n");
    expect(r.stderr).not.toMatch(STACK);
  });

  it('a missing or extra positional: exit 2 with the usage', () => {
    const missing = twinplane('decode');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'twinplane decode: missing <capture> (usage: twinplane decode <capture> [--json] [--filter <expr>] [--option-class <class>])\n',
    );
    const extra = twinplane('decode', 'a', 'b');
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/unexpected argument 'b'/);
    expect(extra.stderr).not.toMatch(STACK);
  });
});
