// Every command declares its flags and positionals once; this turns them into node:util
// parseArgs (strict: an unknown flag is an error, with the nearest real flag offered) and
// into the command's --help text, with required flags marked and descriptions aligned.
import { parseArgs } from 'node:util';
import { nearest } from '../harness/scenario/did-you-mean.ts';
import { UserError } from './errors.ts';
import type { Io } from './io.ts';

export interface FlagSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  /** For string flags: what the value is, shown in help (`--pcap <file>`). */
  readonly value?: string;
  readonly description: string;
  /** Shown without brackets in the usage line and marked "(required)"; checked before work. */
  readonly required?: boolean;
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
  /** Flags that were renamed: the old name gets a sentence pointing at the new one. */
  readonly renamed?: Readonly<Record<string, string>>;
  /** Resolves to the exit code; throws UserError for bad input. */
  run(args: ParsedArgs, io: Io): Promise<number>;
}

const HELP: FlagSpec = { type: 'boolean', short: 'h', description: 'show this help' };

function unknownFlag(cmd: Command, message: string): string {
  const m = /Unknown option '(-{1,2})([^']*)'/.exec(message);
  if (!m) return message.replace(/\. To specify a positional argument.*$/s, '');
  const given = m[2];
  const renamed = cmd.renamed?.[given];
  if (renamed !== undefined) return `--${given} is now --${renamed}`;
  const names = Object.keys({ ...cmd.flags, help: HELP });
  const near = m[1] === '--' ? nearest(given, names) : undefined;
  return `unknown option '${m[1]}${given}'${near ? `; did you mean '--${near}'?` : ''}`;
}

/** Parses argv for `cmd`; returns null when --help was asked for (and printed). */
export async function parseCommandArgs(cmd: Command, argv: readonly string[], io: Io): Promise<ParsedArgs | null> {
  const all: Record<string, FlagSpec> = { ...cmd.flags, help: HELP };
  const options = Object.fromEntries(
    Object.entries(all).map(([name, f]) => [name, f.short ? { type: f.type, short: f.short } : { type: f.type }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    // parseArgs says e.g. "Unknown option '--jsn'"; keep its sense, add the nearest flag.
    const msg = unknownFlag(cmd, e instanceof Error ? e.message : String(e));
    throw new UserError(`${msg} (see 'twinplane ${cmd.name} --help')`);
  }
  if (parsed.values.help === true) {
    await io.out(commandHelp(cmd));
    return null;
  }
  // The last of two values would win silently: say so instead of guessing.
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option') continue;
    if (seen.has(t.name)) throw new UserError(`--${t.name} is given twice; give it once`);
    seen.add(t.name);
  }
  for (const [name, f] of Object.entries(cmd.flags)) {
    const v = parsed.values[name];
    if (f.type === 'string' && typeof v === 'string' && v.trim() === '') throw new UserError(`--${name} is empty; give ${placeholder(f)}`);
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
  for (const [name, f] of Object.entries(cmd.flags)) {
    if (f.required && parsed.values[name] === undefined)
      throw new UserError(`--${name} ${placeholder(f)} is required (usage: ${usageLine(cmd)})`);
  }
  return { flags: parsed.values as ParsedArgs['flags'], positionals: parsed.positionals };
}

function placeholder(f: FlagSpec): string {
  return `<${f.value ?? 'value'}>`;
}

function flagText(name: string, f: FlagSpec): string {
  return `--${name}${f.type === 'string' ? ` ${placeholder(f)}` : ''}`;
}

export function usageLine(cmd: Command): string {
  const pos = cmd.positionals.map((p) => {
    const name = p.variadic ? `${p.name}…` : p.name;
    return p.optional ? `[${name}]` : `<${name}>`;
  });
  const entries = Object.entries(cmd.flags);
  const required = entries.filter(([, f]) => f.required).map(([n, f]) => flagText(n, f));
  const optional = entries.filter(([, f]) => !f.required).map(([n, f]) => `[${flagText(n, f)}]`);
  return ['twinplane', cmd.name, ...pos, ...required, ...optional].join(' ');
}

/** Help lines stay this wide: the right column wraps at word boundaries, aligned under itself. */
const HELP_WIDTH = 100;

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...out, line];
}

/** Two columns: the left padded to the widest entry (capped; longer ones put the text on the next line). */
export function columns(rows: readonly (readonly [string, string])[], indent = '  ', cap = 34): string[] {
  const width = Math.min(cap, Math.max(0, ...rows.map(([l]) => l.length))) + 2;
  const pad = ' '.repeat(indent.length + width);
  const room = Math.max(30, HELP_WIDTH - pad.length);
  return rows.flatMap(([left, right]) => {
    const text = wrap(right, room);
    const first = left.length + 2 > width ? [`${indent}${left}`, `${pad}${text[0]}`] : [`${indent}${left.padEnd(width)}${text[0]}`];
    return [...first, ...text.slice(1).map((t) => `${pad}${t}`)];
  });
}

export function commandHelp(cmd: Command): string {
  const lines = [`Usage: ${usageLine(cmd)}`, '', ...wrap(cmd.summary, HELP_WIDTH)];
  if (cmd.description) lines.push('', cmd.description);
  if (cmd.positionals.length > 0) {
    lines.push('', 'Arguments:');
    lines.push(...columns(cmd.positionals.map((p) => [p.variadic ? `${p.name}…` : p.name, p.description] as const)));
  }
  lines.push('', 'Options:');
  const rows = Object.entries({ ...cmd.flags, help: HELP }).map(
    ([n, f]) => [`${f.short ? `-${f.short}, ` : '    '}${flagText(n, f)}`, `${f.required ? '(required) ' : ''}${f.description}`] as const,
  );
  lines.push(...columns(rows));
  return lines.join('\n') + '\n';
}
