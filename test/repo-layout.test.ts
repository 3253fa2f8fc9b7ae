// The layout's promises, checked on every run: nothing imports in a circle, model/ imports
// nothing outside itself and no Node API (it runs in a browser), no two files of the tree
// share a name (README.md files excepted: each folder's guide has that name on purpose), and
// maps are reached through their types: no double cast (`as unknown as`) in model/, nor on a
// map or a map spec anywhere else, tests included.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';

const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('node_modules/'));
const code = tracked.filter((f) => /\.(ts|mts|mjs|js)$/.test(f) && !f.startsWith('build/'));

/** Every module specifier of a file: static imports and exports, dynamic imports. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const graph = new Map<string, string[]>();
for (const f of code) {
  const deps = specifiers(readFileSync(f, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => normalize(join(dirname(f), s)));
  graph.set(f, deps);
}

/** Strongly connected components of more than one module (or a module importing itself). */
function cycles(): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) !== idx.get(v)) return;
    const scc: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      on.delete(w);
      scc.push(w);
      if (w === v) break;
    }
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

describe('layout', () => {
  it('the import graph has modules to check, and a planted cycle would be found', () => {
    expect(graph.size).toBeGreaterThan(100);
    const [a, b] = ['model/target.ts', 'model/wire/addr.ts'];
    const saved = [graph.get(a)!, graph.get(b)!];
    graph.set(a, [...saved[0], b]);
    graph.set(b, [...saved[1], a]);
    try {
      expect(cycles()).toContainEqual([a, b]);
    } finally {
      graph.set(a, saved[0]);
      graph.set(b, saved[1]);
    }
  });

  it('nothing imports in a circle', () => {
    expect(cycles()).toEqual([]);
  });

  it('every relative import names a file that exists', () => {
    const missing = [...graph].flatMap(([f, deps]) => deps.filter((d) => !tracked.includes(d)).map((d) => `${f} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('model/ imports only model/, and no Node API or package', () => {
    const bad: string[] = [];
    for (const f of code.filter((x) => x.startsWith('model/'))) {
      for (const s of specifiers(readFileSync(f, 'utf8'))) {
        if (!s.startsWith('.')) bad.push(`${f} imports ${s}`);
        else if (!normalize(join(dirname(f), s)).startsWith('model/')) bad.push(`${f} imports ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no two files share a name', () => {
    const byName = new Map<string, string[]>();
    for (const f of tracked.filter((x) => !x.startsWith('build/') && basename(x) !== 'README.md')) {
      byName.set(basename(f), [...(byName.get(basename(f)) ?? []), f]);
    }
    expect([...byName.values()].filter((fs) => fs.length > 1)).toEqual([]);
  });

  it('model/ has no double cast, and no source casts a map or a map spec through unknown', () => {
    const mapish = /\bmaps?\b|\.map\(|\.raw\(|\.learnt\(|MAP_SPECS|MapSpec|RawMap|ModelMap|HostMap|BpfMap|this\[name\]/;
    const double = /\bas unknown as\b/;
    // The matcher catches the casts this rule removed (a profile's raw view, a spec by name).
    for (const planted of [
      'return this[name] as unknown as RawMap;',
      'const spec = MAP_SPECS[name] as unknown as MapSpec<unknown, unknown>;',
    ]) {
      expect(double.test(planted) && mapish.test(planted), planted).toBe(true);
    }
    const found: string[] = [];
    // Tests too: this file's planted lines above are the one exception.
    for (const f of code.filter((x) => x !== 'test/repo-layout.test.ts')) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (double.test(line) && (f.startsWith('model/') || mapish.test(line))) found.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
