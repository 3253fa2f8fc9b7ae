// JUnit XML for CI: one <testsuite> per scenario, one <testcase> per check (each expectation
// of each send, each invariant, each model/kernel mismatch). A control-plane refusal is an
// <error>, everything else that failed a <failure>. CI systems show file and line.
import type { CheckDoc, RunDoc, ScenarioRunDoc } from './json-schema/run-doc.ts';

/** XML 1.0 has no way to carry most control characters, even escaped: they are dropped. */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const attrs = (a: Record<string, string | number | undefined>): string =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');

function testcase(r: ScenarioRunDoc, c: CheckDoc): string {
  const head = `    <testcase${attrs({ classname: `${r.name}.${c.kind}`, name: c.name, file: r.file, line: c.line })}`;
  if (c.ok) return `${head}>\n      <system-out>${xmlEscape(c.message)}</system-out>\n    </testcase>`;
  const tag = c.kind === 'error' ? 'error' : 'failure';
  const where = c.line !== undefined ? `${r.file}:${c.line}:${c.column ?? 1}: ` : '';
  return `${head}>\n      <${tag}${attrs({ message: c.message, type: c.kind })}>${xmlEscape(where + c.message)}</${tag}>\n    </testcase>`;
}

function suite(r: ScenarioRunDoc): string {
  const failures = r.checks.filter((c) => !c.ok && c.kind !== 'error').length;
  const errors = r.checks.filter((c) => !c.ok && c.kind === 'error').length;
  return [
    `  <testsuite${attrs({ name: r.name, tests: r.checks.length, failures, errors, skipped: 0, file: r.file })}>`,
    `    <properties>`,
    `      <property name="target" value="${xmlEscape(r.target)}"/>`,
    `      <property name="packets" value="${r.packets.length}"/>`,
    ...r.notices.map((n) => `      <property name="notice" value="${xmlEscape(n)}"/>`),
    `    </properties>`,
    ...r.checks.map((c) => testcase(r, c)),
    `  </testsuite>`,
  ].join('\n');
}

export function junitXml(doc: RunDoc): string {
  const tests = doc.runs.reduce((n, r) => n + r.checks.length, 0);
  const failures = doc.runs.reduce((n, r) => n + r.checks.filter((c) => !c.ok && c.kind !== 'error').length, 0);
  const errors = doc.runs.reduce((n, r) => n + r.checks.filter((c) => !c.ok && c.kind === 'error').length, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: `twinplane (${doc.target})`, tests, failures, errors })}>`,
    ...doc.runs.map(suite),
    '</testsuites>',
    '',
  ].join('\n');
}
