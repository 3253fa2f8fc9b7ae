// `twinplane <command> [args]` without the process around it: dispatches through the table
// in cli/commands/index.ts and turns a UserError into one line on stderr plus its exit code.
// Anything else is a bug and propagates with its stack.
import { parseCommandArgs } from './args.ts';
import { COMMANDS } from './commands/index.ts';
import { EXIT, UserError } from './errors.ts';
import type { Io } from './io.ts';

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'Usage: twinplane <command> [options]',
    '',
    'A packet-level twin of a multi-tenant XDP overlay data plane.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
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
  // `twinplane help decode` is `twinplane decode --help`.
  const [cmdName, cmdArgv] = name === 'help' ? [rest[0], ['--help']] : [name, rest];
  const row = COMMANDS.find((c) => c.name === cmdName);
  if (!row) {
    io.err(`twinplane: unknown command '${cmdName}' (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see 'twinplane --help')`);
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
    throw e;
  }
}
