// verify's JUnit XML: one <testsuite> per scenario, one <testcase> per property (with its
// classes, frames and hops), failed by its violations; known findings are in system-out.
import { PROPERTIES } from './json-schema/verify-doc.ts';
import type { VerifyDoc } from './json-schema/verify-doc.ts';
import { xmlEscape } from './junit.ts';

export function verifyJunitXml(doc: VerifyDoc): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const s of doc.scenarios) {
    const cases: string[] = [];
    let sf = 0;
    for (const p of PROPERTIES) {
      const c = s.properties[p];
      const vs = s.violations.filter((v) => v.property === p);
      const ks = s.known.filter((v) => v.property === p);
      const out = [
        `${c.classes} classes, ${c.frames} frames, ${c.hops} hops`,
        ...ks.map((k) => `known (issue ${k.known!.issue}): ${k.classId}: ${k.message}`),
      ];
      const head = `    <testcase classname="${xmlEscape(`${s.name}.verify`)}" name="${xmlEscape(p)}" file="${xmlEscape(s.file)}">`;
      if (c.violations > 0) {
        sf++;
        const body = vs.map((v) => `${v.classId}: ${v.message}\n  frame ${v.frame ?? '-'}\n  reproduce: ${v.reproduce}`).join('\n');
        cases.push(
          `${head}\n      <failure message="${xmlEscape(`${c.violations} violation${c.violations === 1 ? '' : 's'}: ${vs[0]?.message ?? ''}`)}" type="violation">${xmlEscape(body)}</failure>\n      <system-out>${xmlEscape(out.join('\n'))}</system-out>\n    </testcase>`,
        );
      } else cases.push(`${head}\n      <system-out>${xmlEscape(out.join('\n'))}</system-out>\n    </testcase>`);
    }
    tests += cases.length;
    failures += sf;
    suites.push(
      [
        `  <testsuite name="${xmlEscape(`${s.name} (verify)`)}" tests="${cases.length}" failures="${sf}" errors="0" skipped="0" file="${xmlEscape(s.file)}">`,
        `    <properties>`,
        `      <property name="target" value="${xmlEscape(doc.target)}"/>`,
        `      <property name="classes" value="${s.classes}"/>`,
        `      <property name="frames" value="${s.frames}"/>`,
        `      <property name="hops" value="${s.hops}"/>`,
        ...s.notes.map((x) => `      <property name="note" value="${xmlEscape(x)}"/>`),
        `    </properties>`,
        ...cases,
        `  </testsuite>`,
      ].join('\n'),
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(`twinplane verify (${doc.target})`)}" tests="${tests}" failures="${failures}" errors="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
