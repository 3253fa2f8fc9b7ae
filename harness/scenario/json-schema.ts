// A validator for the subset of JSON Schema (draft-07) that scenario.schema.json uses. The
// loader validates against the shipped schema file itself, so editors and the loader read
// the same rules; a keyword outside the subset makes `compileSchema` throw, so the schema
// can never say something this validator silently ignores.
import type { DocPath } from './issues.ts';
import { hint } from './did-you-mean.ts';

export interface SchemaIssue {
  readonly path: DocPath;
  /** The issue is about a key (unknown property), not its value. */
  readonly key: boolean;
  readonly message: string;
}

type Schema = Readonly<Record<string, unknown>>;

/** Keywords that only inform editors and readers. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'markdownDescription',
  'default',
  'examples',
  'definitions',
  'patternErrorMessage',
]);
const ASSERTIONS = new Set([
  '$ref',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'enum',
  'const',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
]);
const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

export class CompiledSchema {
  readonly root: Schema;
  private readonly patterns = new Map<string, RegExp>();

  constructor(root: Schema) {
    this.root = root;
    this.check(root, '#');
  }

  validate(value: unknown): SchemaIssue[] {
    const issues: SchemaIssue[] = [];
    this.walk(this.root, value, [], issues);
    return issues;
  }

  private check(schema: unknown, where: string): void {
    if (typeof schema === 'boolean') return;
    if (!isObject(schema)) throw new Error(`schema at ${where} is not an object`);
    for (const k of Object.keys(schema)) {
      if (!ANNOTATIONS.has(k) && !ASSERTIONS.has(k)) throw new Error(`schema keyword '${k}' at ${where} is not supported`);
    }
    if ('$ref' in schema) {
      // Draft-07 ignores the siblings of $ref: allow only annotations there, so no rule is lost.
      const extra = Object.keys(schema).filter((k) => k !== '$ref' && !ANNOTATIONS.has(k));
      if (extra.length > 0) throw new Error(`schema at ${where}: ${extra.join(', ')} beside $ref would be ignored`);
      this.deref(String(schema.$ref));
    }
    if (typeof schema.pattern === 'string') this.patterns.set(schema.pattern, new RegExp(schema.pattern, 'u'));
    for (const [name, sub] of Object.entries(asObject(schema.definitions))) this.check(sub, `${where}/definitions/${name}`);
    for (const [name, sub] of Object.entries(asObject(schema.properties))) this.check(sub, `${where}/properties/${name}`);
    if (isObject(schema.additionalProperties)) this.check(schema.additionalProperties, `${where}/additionalProperties`);
    if (schema.items !== undefined) this.check(schema.items, `${where}/items`);
  }

  private deref(ref: string): unknown {
    const m = /^#\/definitions\/([A-Za-z0-9_-]+)$/.exec(ref);
    const target = m ? asObject(this.root.definitions)[m[1]] : undefined;
    if (target === undefined) throw new Error(`schema $ref '${ref}' does not resolve`);
    return target;
  }

  private walk(schemaIn: unknown, value: unknown, path: DocPath, out: SchemaIssue[]): void {
    if (schemaIn === true) return;
    if (schemaIn === false) {
      out.push({ path, key: false, message: 'is not allowed here' });
      return;
    }
    const schema = schemaIn as Schema;
    if (typeof schema.$ref === 'string') {
      this.walk(this.deref(schema.$ref), value, path, out);
      return;
    }
    const report = (message: string, key = false): void => {
      out.push({ path, key, message });
    };
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [String(schema.type)];
      if (!types.some((t) => hasType(value, t))) {
        report(`must be ${types.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}, not ${describe(value)}`);
        return;
      }
    }
    if (schema.enum !== undefined) this.checkEnum(schema.enum as unknown[], value, report);
    if (schema.const !== undefined && value !== schema.const) report(`must be ${JSON.stringify(schema.const)}`);
    if (typeof value === 'string') this.checkString(schema, value, report);
    if (typeof value === 'number') checkNumber(schema, value, report);
    if (Array.isArray(value)) this.checkArray(schema, value, path, out, report);
    else if (isObject(value)) this.checkObject(schema, value, path, out, report);
  }

  private checkEnum(options: readonly unknown[], value: unknown, report: (m: string) => void): void {
    if (options.includes(value)) return;
    const shown = JSON.stringify(value);
    // A long list (reason names) would drown the message: suggest the nearest instead.
    if (options.length > 8 && typeof value === 'string') report(`unknown value ${shown}${hint(value, options.map(String))}`);
    else report(`must be one of ${options.map(String).join(', ')}, not ${shown}`);
  }

  private checkString(schema: Schema, value: string, report: (m: string) => void): void {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) {
      report(schema.minLength === 1 ? 'must not be empty' : `must be at least ${schema.minLength} characters long`);
    }
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) report(`must be at most ${schema.maxLength} characters long`);
    if (typeof schema.pattern === 'string' && !this.patterns.get(schema.pattern)?.test(value)) {
      const why = typeof schema.patternErrorMessage === 'string' ? schema.patternErrorMessage : `must match ${schema.pattern}`;
      report(`${JSON.stringify(value)}: ${why}`);
    }
  }

  private checkArray(schema: Schema, value: readonly unknown[], path: DocPath, out: SchemaIssue[], report: (m: string) => void): void {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) report(`needs at least ${plural(schema.minItems, 'item')}`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      report(`takes at most ${plural(schema.maxItems, 'item')}, not ${value.length}`);
    if (schema.uniqueItems === true) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const k = JSON.stringify(item);
        if (seen.has(k)) out.push({ path: [...path, i], key: false, message: `${k} is listed twice` });
        seen.add(k);
      });
    }
    if (schema.items !== undefined) value.forEach((item, i) => this.walk(schema.items, item, [...path, i], out));
  }

  private checkObject(
    schema: Schema,
    value: Readonly<Record<string, unknown>>,
    path: DocPath,
    out: SchemaIssue[],
    report: (m: string) => void,
  ): void {
    const keys = Object.keys(value);
    const props = asObject(schema.properties);
    if (typeof schema.minProperties === 'number' && keys.length < schema.minProperties) {
      report(`needs at least ${plural(schema.minProperties, 'property', 'properties')} (one of ${Object.keys(props).join(', ')})`);
    }
    if (typeof schema.maxProperties === 'number' && keys.length > schema.maxProperties) {
      report(`takes at most ${plural(schema.maxProperties, 'property', 'properties')}, found ${keys.join(', ')}`);
    }
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!Object.hasOwn(value, name)) out.push({ path: [...path, name], key: false, message: 'is required' });
    }
    for (const k of keys) {
      if (Object.hasOwn(props, k)) this.walk(props[k], value[k], [...path, k], out);
      else if (schema.additionalProperties === false) {
        out.push({ path: [...path, k], key: true, message: `unknown property${hint(k, Object.keys(props))}` });
      } else if (isObject(schema.additionalProperties)) this.walk(schema.additionalProperties, value[k], [...path, k], out);
    }
  }
}

function checkNumber(schema: Schema, value: number, report: (m: string) => void): void {
  if (typeof schema.minimum === 'number' && value < schema.minimum) report(`must be at least ${schema.minimum}, not ${value}`);
  if (typeof schema.maximum === 'number' && value > schema.maximum) report(`must be at most ${schema.maximum}, not ${value}`);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`schema type '${type}' is not supported`);
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (isObject(value)) return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return JSON.stringify(value) ?? String(value);
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A plain mapping: YAML's `!!binary`, dates and the like are not. */
export function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function asObject(value: unknown): Readonly<Record<string, unknown>> {
  return isObject(value) ? value : {};
}
