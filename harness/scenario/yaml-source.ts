// The YAML side of the loader: text to a plain value, and any document path back to a line
// and column. Syntax errors come out as issues with their position, never as exceptions.
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import { formatPath } from './issues.ts';
import type { DocPath, Issue } from './issues.ts';

export interface Located {
  readonly line: number;
  readonly column: number;
}

export interface YamlSource {
  readonly value: unknown;
  /** Position of the value at `path`, or of its key when `key` is set (unknown keys). A path
   * that does not exist (a missing property) resolves to its deepest existing ancestor. */
  locate(path: DocPath, key?: boolean): Located;
}

export type YamlResult = { readonly ok: true; readonly source: YamlSource } | { readonly ok: false; readonly issues: Issue[] };

/** Aliases can expand exponentially ("billion laughs"); a scenario never needs many. */
const MAX_ALIAS_COUNT = 100;

export function readYaml(text: string, file: string): YamlResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Located => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '(yaml)', message: e.message }));
    return { ok: false, issues };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // toJS throws only for alias abuse (too many, or a cycle): bad input, not a bug.
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, issues: [{ file, line: 1, column: 1, path: formatPath([]), message }] };
  }
  return { ok: true, source: { value, locate: (path, key = false) => locateIn(doc, path, key, at) } };
}

function locateIn(doc: Document, path: DocPath, key: boolean, at: (offset: number) => Located): Located {
  let node: unknown = doc.contents;
  let pos = startOf(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    node = resolveAlias(doc, node);
    const seg = path[i];
    let next: unknown;
    if (typeof seg === 'number' && isSeq(node)) {
      next = node.items[seg];
    } else if (typeof seg === 'string' && isMap(node)) {
      const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === seg);
      if (pair === undefined) break;
      const last = i === path.length - 1;
      const keyPos = startOf(pair.key);
      if (last && key && keyPos !== undefined) return at(keyPos);
      // `name:` with nothing after it has an empty value: point at the key instead.
      const valuePos = startOf(pair.value);
      if (valuePos === undefined || (isScalar(pair.value) && pair.value.source === '')) {
        pos = keyPos ?? pos;
        node = pair.value;
        continue;
      }
      next = pair.value;
    }
    const nextPos = startOf(next);
    if (nextPos === undefined) break;
    pos = nextPos;
    node = next;
  }
  return at(pos);
}

function resolveAlias(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function startOf(node: unknown): number | undefined {
  if (isPair(node)) return startOf(node.key);
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}
