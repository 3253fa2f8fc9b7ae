// `twinplane <command> [args]` without the process around it: dispatches through the table
// in cli/command-table.ts and turns a UserError into one line on stderr plus its exit code.
// Anything else is a bug: one line naming it (exit 3); the stack only with TWINPLANE_DEBUG=1,
// because a user's terminal is not the place for one.
import { readFileSync } from 'node:fs';
import { nearest } from '../harness/scenario/did-you-mean.ts';
import { columns, parseCommandArgs } from './args.ts';
import { COMMANDS } from './command-table.ts';
import { EXIT, UserError } from './errors.ts';
import type { Io } from './io.ts';

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function globalHelp(): string {
  return [
    'Usage: twinplane <command> [options]',
    '',
    'A packet-level twin of a multi-tenant XDP overlay data plane.',
    '',
    'Commands:',
    ...columns(COMMANDS.map((c) => [c.name, c.summary] as const)),
    '',
    'Options:',
    ...columns([
      ['-h, --help', 'show this help'],
      ['-V, --version', 'print the version'],
    ]),
    '',
    "Run 'twinplane <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(globalHelp().trimEnd());
    return EXIT.badInput;
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    await io.out(globalHelp());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    await io.out(`twinplane ${version()}\n`);
    return EXIT.ok;
  }
  // `twinplane help decode` is `twinplane decode --help`.
  const [cmdName, cmdArgv] = name === 'help' ? [rest[0], ['--help']] : [name, rest];
  const row = COMMANDS.find((c) => c.name === cmdName);
  if (!row) {
    const names = COMMANDS.map((c) => c.name);
    const near = nearest(cmdName, names);
    const what = cmdName.startsWith('-') ? `unknown option '${cmdName}' before the command` : `unknown command '${cmdName}'`;
    io.err(`twinplane: ${what}${near ? `; did you mean '${near}'?` : ''} (commands: ${names.join(', ')}; see 'twinplane --help')`);
    return EXIT.badInput;
  }
  try {
    const { command } = await row.load();
    const args = await parseCommandArgs(command, cmdArgv, io);
    if (args === null) return EXIT.ok;
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UserError) {
      io.err(`twinplane ${row.name}: ${e.message}`);
      return e.exitCode;
    }
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    io.err(`twinplane ${row.name}: internal error (a bug in twinplane, please report it): ${what.split('\n')[0]}`);
    if (process.env.TWINPLANE_DEBUG === '1' && e instanceof Error && e.stack) io.err(e.stack);
    else io.err(`twinplane ${row.name}: run again with TWINPLANE_DEBUG=1 for the details`);
    return EXIT.internal;
  }
}
