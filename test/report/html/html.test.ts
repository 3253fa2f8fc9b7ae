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
import { runAll } from '../../../harness/run/index.ts';
import { renderHtml } from '../../../report/html/index.ts';
import type { RunDoc } from '../../../report/json-schema/run.ts';

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
