// The report's drawings, measured where they are drawn: headless Chromium lays out every
// path diagram and the topology (every <details> opened), and a script reads the rendered
// boxes of every box and label. No two boxes overlap, no two labels overlap, no label lies
// on a box it does not belong to, the labels of a box stay inside it, and nothing is cut off
// at the drawing's edge — for every shipped scenario, a failing one, and the same runs with
// names five times as long.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runAll } from '../../../harness/run/run-all.ts';
import { renderHtml } from '../../../report/html/page.ts';
import type { RunDoc } from '../../../report/json-schema/run-doc.ts';

const FILES = [
  ...readdirSync('scenarios')
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => `scenarios/${f}`),
  'test/harness/run/fixtures/failing.yaml',
];
const doc = runAll(
  FILES.map((f) => loadScenario(f)),
  { target: 'model', engine: (cp) => new Engine(cp, 'model') },
);
/** Every host and most pods renamed ~5× longer, consistently everywhere in the document. */
const longNames = JSON.parse(
  JSON.stringify(doc).replaceAll('node-', 'rack-seven-hypervisor-number-').replaceAll('pod-', 'frontend-deployment-replica-'),
) as RunDoc;

/** Runs in the page: opens everything, then measures every drawing. */
const MEASURE = `
document.querySelectorAll('details').forEach(function (d) { d.open = true; });
var out = [];
document.querySelectorAll('svg.path, svg.topology').forEach(function (svg, n) {
  var s = svg.getBoundingClientRect();
  var items = [];
  svg.querySelectorAll('rect, text').forEach(function (el) {
    var r = el.getBoundingClientRect();
    var g = el.closest('g.hopbox, g.host');
    items.push({ tag: el.tagName, text: el.textContent, group: g ? Array.prototype.indexOf.call(svg.querySelectorAll('g.hopbox, g.host'), g) : -1,
      x: r.left, y: r.top, w: r.width, h: r.height });
  });
  out.push({ svg: n, label: svg.getAttribute('aria-label'), x: s.left, y: s.top, w: s.width, h: s.height, items: items });
});
var pre = document.createElement('pre');
pre.id = 'geometry';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
`;

interface Item {
  tag: string;
  text: string;
  group: number;
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Drawing {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  items: Item[];
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-geometry-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function measure(html: string, name: string): Drawing[] {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html.replace('</body>', `<script>${MEASURE}</script></body>`));
  const r = spawnSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--window-size=1600,1200',
      '--dump-dom',
      `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.error) throw new Error(`cannot run chromium (apt-get install -y chromium): ${r.error.message}`);
  const m = /<pre id="geometry">([\s\S]*?)<\/pre>/.exec(r.stdout);
  if (!m) throw new Error(`no measurements in the page: ${r.stderr.slice(0, 500)}`);
  const json = m[1].replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  return JSON.parse(json) as Drawing[];
}

/** Overlap beyond a hair (anti-aliasing and rounding give boxes half a pixel of slack). */
const EPS = 0.5;
const overlap = (a: Item, b: Item): boolean =>
  a.x + a.w > b.x + EPS && b.x + b.w > a.x + EPS && a.y + a.h > b.y + EPS && b.y + b.h > a.y + EPS;
const inside = (a: Item, b: Item): boolean =>
  a.x >= b.x - EPS && a.y >= b.y - EPS && a.x + a.w <= b.x + b.w + EPS && a.y + a.h <= b.y + b.h + EPS;
const name = (i: Item): string => `${i.tag} "${i.text.slice(0, 60)}"`;

/** Every rule broken in one drawing, as sentences. */
function problems(d: Drawing): string[] {
  const out: string[] = [];
  const boxes = d.items.filter((i) => i.tag === 'rect');
  const labels = d.items.filter((i) => i.tag === 'text' && i.w > 0);
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i], boxes[j])) out.push(`boxes ${i} and ${j} overlap`);
  for (let i = 0; i < labels.length; i++)
    for (let j = i + 1; j < labels.length; j++)
      if (overlap(labels[i], labels[j])) out.push(`${name(labels[i])} overlaps ${name(labels[j])}`);
  for (const l of labels) {
    for (const b of boxes) {
      const own = l.group >= 0 && b.group === l.group;
      if (own && !inside(l, b)) out.push(`${name(l)} sticks out of its box`);
      if (!own && overlap(l, b)) out.push(`${name(l)} lies on a box it does not belong to`);
    }
    if (l.x < d.x - EPS || l.x + l.w > d.x + d.w + EPS || l.y < d.y - EPS || l.y + l.h > d.y + d.h + EPS)
      out.push(`${name(l)} is cut off at the edge`);
  }
  return out.map((p) => `${d.label}: ${p}`);
}

describe('report geometry in Chromium', () => {
  it.each([
    ['every shipped scenario and a failing one', doc],
    ['the same with names five times as long', longNames],
  ])('%s: no box or label overlaps another, none is cut off', (what, d) => {
    const drawings = measure(renderHtml(d), what.replace(/\W+/g, '-'));
    const packets = d.runs.reduce((n, r) => n + r.packets.length, 0);
    expect(drawings.filter((x) => x.label === 'topology')).toHaveLength(d.runs.length);
    expect(drawings.filter((x) => x.label.startsWith('path of packet'))).toHaveLength(packets);
    expect(drawings.flatMap(problems)).toEqual([]);
  });

  it('the measurement has teeth: a second label drawn on a lane name is caught', () => {
    const html = renderHtml({ ...doc, runs: doc.runs.slice(0, 1) });
    const broken = html.replace(/(<text class="lane"[^>]*>)([^<]*)(<\/text>)/, '$1$2$3$1$2 and a few more words$3');
    expect(broken).not.toBe(html);
    expect(measure(html, 'control').flatMap(problems)).toEqual([]);
    expect(measure(broken, 'teeth').flatMap(problems)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^path of packet 1: text "pod \S+" overlaps text "pod \S+ and a few more words"$/)]),
    );
  });
});
