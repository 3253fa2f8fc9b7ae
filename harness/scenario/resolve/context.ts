// Shared by every resolver: where issues go, and defensive readers for the parsed YAML.
// Resolution runs even when the schema found problems, so that one pass reports every
// error; the readers therefore never trust a shape, they return undefined instead (the
// schema has already reported why).
import { parseCidr, parseIpv4, parseMac, cidrToString, ipv4ToString, prefixMask } from '../../../model/wire/addr.ts';
import type { Cidr, Ipv4, Mac } from '../../../model/wire/addr.ts';
import { IssueList, formatPath } from '../issues.ts';
import type { DocPath } from '../issues.ts';
import type { Located, YamlSource } from '../yaml-source.ts';
import { isObject } from '../json-schema.ts';
import { hint } from '../did-you-mean.ts';

export type Raw = Readonly<Record<string, unknown>>;

export class Ctx {
  readonly issues = new IssueList();
  readonly file: string;
  private readonly source: YamlSource;

  constructor(file: string, source: YamlSource) {
    this.file = file;
    this.source = source;
  }

  error(path: DocPath, message: string, key = false): void {
    this.issues.push({ file: this.file, ...this.source.locate(path, key), path: formatPath(path), message });
  }

  at(path: DocPath): Located {
    return this.source.locate(path);
  }

  /** `line:column` of a path, for messages that point at an earlier definition. */
  where(path: DocPath): string {
    const { line, column } = this.source.locate(path);
    return `${line}:${column}`;
  }
}

export function obj(value: unknown): Raw | undefined {
  return isObject(value) ? value : undefined;
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function ip(value: unknown): Ipv4 | undefined {
  return typeof value === 'string' ? parseIpv4(value) : undefined;
}

/** A CIDR whose host bits are clear: `10.0.0.1/24` is almost always a typo for an address. */
export function cidr(ctx: Ctx, path: DocPath, value: unknown): Cidr | undefined {
  if (typeof value !== 'string') return undefined;
  const c = parseCidr(value);
  if (c === undefined) return undefined;
  const addr = parseIpv4(value.slice(0, value.indexOf('/')));
  if (addr !== c.network) {
    ctx.error(path, `${value} has host bits set; the network is ${cidrToString(c)}`);
    return undefined;
  }
  return c;
}

export function mac(ctx: Ctx, path: DocPath, value: unknown): Mac | undefined {
  if (typeof value !== 'string') return undefined;
  const m = parseMac(value);
  if (m === undefined) return undefined;
  if ((m[0] & 1) !== 0 || m.every((b) => b === 0)) {
    ctx.error(path, `${value} is not a unicast MAC (the first byte must be even, and not all zero)`);
    return undefined;
  }
  return m;
}

export function broadcastOf(c: Cidr): Ipv4 {
  return (c.network | ~prefixMask(c.prefixLen)) >>> 0;
}

export function cidrInside(inner: Cidr, outer: Cidr): boolean {
  return inner.prefixLen >= outer.prefixLen && (inner.network & prefixMask(outer.prefixLen)) >>> 0 === outer.network;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return cidrInside(a, b) || cidrInside(b, a);
}

export { ipv4ToString, cidrToString };

/**
 * A name table. `null` marks a declared entity that failed to resolve: references to it are
 * accepted silently (its own errors are already reported) instead of cascading.
 */
export class Names<T> {
  private readonly entries = new Map<string, { value: T | null; path: DocPath }>();
  readonly what: string;

  constructor(what: string) {
    this.what = what;
  }

  /** Declares `name` at `path`; a duplicate is reported and not declared. */
  declare(ctx: Ctx, name: string, path: DocPath, value: T | null): boolean {
    const first = this.entries.get(name);
    if (first !== undefined) {
      ctx.error(path, `duplicate ${this.what} name '${name}' (first defined at ${ctx.where(first.path)})`);
      return false;
    }
    this.entries.set(name, { value, path });
    return true;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The entity, `null` for a broken one (no new error), `undefined` when unknown (reported). */
  lookup(ctx: Ctx, path: DocPath, name: unknown, where = ''): T | null | undefined {
    if (typeof name !== 'string') return null;
    const entry = this.entries.get(name);
    if (entry === undefined) {
      ctx.error(path, `unknown ${this.what} '${name}'${where}${hint(name, this.entries.keys())}`);
      return undefined;
    }
    return entry.value;
  }

  get(name: string): T | null | undefined {
    return this.entries.get(name)?.value;
  }

  names(): IterableIterator<string> {
    return this.entries.keys();
  }

  values(): T[] {
    const out: T[] = [];
    for (const e of this.entries.values()) if (e.value !== null) out.push(e.value);
    return out;
  }
}
