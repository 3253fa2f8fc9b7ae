// The HTML report: one self-contained file (nothing fetched from anywhere), hostile text
// escaped, and it renders in headless Chromium with its script run to the end and not one
// console message. Chromium is Debian's `chromium` package (scripts/setup.sh installs it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runAll } from '../../../harness/run/run-all.ts';
import { renderHtml } from '../../../report/html/page.ts';
import { ERROR_RED, PALETTE, vpcColour } from '../../../report/html/escape.ts';
import { hopDetails, pathSvg } from '../../../report/html/path.ts';
import { endpointTable, topologySvg } from '../../../report/html/topology-svg.ts';
import { POINTS } from '../../../model/dataplane/tables.ts';
import type { RunDoc } from '../../../report/json-schema/run-doc.ts';

const doc = runAll(
  ['scenarios/demo.yaml', 'test/harness/run/fixtures/failing.yaml'].map((f) => loadScenario(f)),
  {
    target: 'model',
    engine: (cp) => new Engine(cp, 'model'),
  },
);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-html-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads a page in headless Chromium; returns the DOM after scripts and every console line. */
function chromium(file: string): { dom: string; console: string[] } {
  const r = spawnSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--enable-logging=stderr',
      '--v=0',
      '--dump-dom',
      `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error) throw new Error(`cannot run chromium (apt-get install -y chromium): ${r.error.message}`);
  // Chromium logs every console message and uncaught exception as INFO:CONSOLE(...).
  const console = r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
  return { dom: r.stdout, console };
}

describe('renderHtml', () => {
  it('is one self-contained file: no external script, style, image or link', () => {
    const html = renderHtml(doc);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<(script|img|link|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });

  it('has the topology, the matrix, and a path diagram per flow', () => {
    const html = renderHtml(doc);
    expect(html).toMatch(/aria-label="topology"/);
    expect(html).toMatch(/<table class="matrix">/);
    const flows = doc.runs.reduce((n, r) => n + r.sends.length, 0);
    expect(html.match(/<section class="flow/g)).toHaveLength(flows);
    expect((html.match(/class="path"/g) ?? []).length).toBe(doc.runs.reduce((n, r) => n + r.packets.length, 0));
    expect(html).toMatch(/<section class="flow failed" data-name="wrong reason"/);
  });

  it('escapes everything a scenario controls', () => {
    const evil: RunDoc = {
      ...doc,
      runs: [{ ...doc.runs[0], name: '<script>alert(1)</script>', description: '"><img src=x onerror=alert(1)>' }],
    };
    const html = renderHtml(evil);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('renders in headless Chromium with no console errors, and its script runs', () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(doc));
    const r = chromium(file);
    expect(r.console).toEqual([]);
    expect(r.dom).toMatch(/<body data-ready="true">/);
    expect(r.dom).toMatch(/aria-label="topology"/);
  });

  it('the Chromium check does catch a script error (control)', () => {
    const file = join(dir, 'broken.html');
    writeFileSync(file, renderHtml(doc).replace("'use strict';", "'use strict'; notDefinedAnywhere();"));
    const r = chromium(file);
    expect(r.console.join('\n')).toMatch(/Uncaught ReferenceError: notDefinedAnywhere/);
    expect(r.dom).not.toMatch(/data-ready="true"/);
  });
});

describe('report details', () => {
  const hue = (hex: string): { h: number; s: number } => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const d = max - min;
    if (d === 0) return { h: 0, s: 0 };
    const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    return { h: (h * 60 + 360) % 360, s: d / (1 - Math.abs(max + min - 1)) };
  };

  it('VPC colours never use the error red (hue at least 25° away from it, or grey)', () => {
    const red = hue(ERROR_RED).h;
    for (let i = 0; i < 16; i++) {
      const c = hue(vpcColour(i));
      const away = Math.min(Math.abs(c.h - red), 360 - Math.abs(c.h - red));
      expect(c.s < 0.25 || away >= 25, `${vpcColour(i)} (hue ${Math.round(c.h)}) is too close to ${ERROR_RED}`).toBe(true);
    }
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
  });

  it('the matrix says rows send, columns receive', () => {
    expect(renderHtml(doc)).toContain('<caption>Rows send, columns receive: the cell in row A, column B is A → B.</caption>');
  });

  it('a packet coming back to its sender reuses the sender’s lane: each lane is drawn once', () => {
    const back = doc.runs[0].packets.find((p) => p.outcome.kind === 'delivered' && p.outcome.endpoint === p.from)!;
    expect(back).toBeDefined();
    const svg = pathSvg(back);
    const lanes = [...svg.matchAll(/<text class="lane"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(lanes).toEqual([...new Set(lanes)]);
    expect(lanes.filter((l) => l === `pod ${back.from}`)).toHaveLength(1);
  });

  it('hop details: every point with what it means, and what the hop changed in the frame', () => {
    const p = doc.runs[0].packets.find((x) => x.hops.some((h) => h.program === 'transit' && h.reason === 'DECAP_DELIVER'))!;
    const h = p.hops.find((x) => x.reason === 'DECAP_DELIVER')!;
    const html = hopDetails(h, 0);
    for (const pt of h.points)
      expect(html).toContain(`<span class="mono">${pt.name}</span> <span class="muted">${POINTS.find((x) => x.name === pt.name)!.text}`);
    // Decapsulation removes the outer headers: the diff shows them as removed lines.
    expect(html).toMatch(/<span class="del">- Geneve vni=/);
  });

  it('the topology shows every host, in rows, and every endpoint in a table', () => {
    const t = doc.runs[0].topology;
    const many = {
      ...t,
      hosts: Array.from({ length: 13 }, (_, i) => ({ name: `h-${i + 1}`, ip: `192.168.0.${i + 1}`, mac: '02:00:00:00:00:01' })),
    };
    const svg = topologySvg(many);
    for (let i = 1; i <= 13; i++) expect(svg).toContain(`data-host="h-${i}"`);
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    expect(width).toBeLessThan(1500);
    expect(endpointTable(t).match(/<tr><td>/g)).toHaveLength(t.endpoints.length);
  });
});
