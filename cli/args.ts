// Every command declares its flags and positionals once; this turns them into node:util
// parseArgs (strict: an unknown flag is an error) and into the command's --help text.
import { parseArgs } from 'node:util';
import { UserError } from './errors.ts';
import type { Io } from './io.ts';

export interface FlagSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  /** For string flags: what the value is, shown in help (`--out <file>`). */
  readonly value?: string;
  readonly description: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly optional?: boolean;
  /** The last positional may take one or more values (`run a.yaml b.yaml`). */
  readonly variadic?: boolean;
}

export interface ParsedArgs {
  readonly flags: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
}

export interface Command {
  readonly name: string;
  /** One line, shown in `twinplane --help`. */
  readonly summary: string;
  /** Paragraphs shown after the usage line in `twinplane <name> --help`. */
  readonly description?: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly positionals: readonly PositionalSpec[];
  /** Resolves to the exit code; throws UserError for bad input. */
  run(args: ParsedArgs, io: Io): Promise<number>;
}

const HELP: FlagSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/** Parses argv for `cmd`; returns null when --help was asked for (and printed). */
export async function parseCommandArgs(cmd: Command, argv: readonly string[], io: Io): Promise<ParsedArgs | null> {
  const all = { ...cmd.flags, help: HELP };
  const options = Object.fromEntries(
    Object.entries(all).map(([name, f]) => [name, f.short ? { type: f.type, short: f.short } : { type: f.type }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs says e.g. "Unknown option '--jsn'"; keep its words, add where to look.
    const msg = e instanceof Error ? e.message.replace(/\. To specify a positional argument.*$/s, '') : String(e);
    throw new UserError(`${msg} (see 'twinplane ${cmd.name} --help')`);
  }
  if (parsed.values.help === true) {
    await io.out(commandHelp(cmd));
    return null;
  }
  const required = cmd.positionals.filter((p) => !p.optional).length;
  if (parsed.positionals.length < required) {
    const missing = cmd.positionals[parsed.positionals.length];
    throw new UserError(`missing <${missing.name}> (usage: ${usageLine(cmd)})`);
  }
  const variadic = cmd.positionals.at(-1)?.variadic === true;
  if (!variadic && parsed.positionals.length > cmd.positionals.length) {
    throw new UserError(`unexpected argument '${parsed.positionals[cmd.positionals.length]}' (usage: ${usageLine(cmd)})`);
  }
  return { flags: parsed.values as ParsedArgs['flags'], positionals: parsed.positionals };
}

export function usageLine(cmd: Command): string {
  const pos = cmd.positionals.map((p) => {
    const name = p.variadic ? `${p.name}…` : p.name;
    return p.optional ? `[${name}]` : `<${name}>`;
  });
  const flags = Object.entries(cmd.flags).map(([n, f]) => `[--${n}${f.type === 'string' ? ` <${f.value ?? 'value'}>` : ''}]`);
  return ['twinplane', cmd.name, ...pos, ...flags].join(' ');
}

export function commandHelp(cmd: Command): string {
  const lines = [`Usage: ${usageLine(cmd)}`, '', cmd.summary];
  if (cmd.description) lines.push('', cmd.description);
  if (cmd.positionals.length > 0) {
    lines.push('', 'Arguments:');
    for (const p of cmd.positionals) lines.push(`  ${(p.variadic ? `${p.name}…` : p.name).padEnd(22)}${p.description}`);
  }
  lines.push('', 'Options:');
  for (const [n, f] of Object.entries({ ...cmd.flags, help: HELP })) {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${n}${f.type === 'string' ? ` <${f.value ?? 'value'}>` : ''}`;
    lines.push(`  ${left.padEnd(22)}${f.description}`);
  }
  return lines.join('\n') + '\n';
}
