// JUnit XML read back by a real XML parser: one testcase per check, failures and errors
// where they belong, hostile text escaped.
import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runAll } from '../../../harness/run/run-all.ts';
import { junitXml, xmlEscape } from '../../../report/junit.ts';
import type { RunDoc } from '../../../report/json-schema/run-doc.ts';

const doc = runAll(
  ['scenarios/two-tenants.yaml', 'test/harness/run/fixtures/failing.yaml'].map((f) => loadScenario(f)),
  {
    target: 'model',
    engine: (cp) => new Engine(cp, 'model'),
  },
);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
});

type Case = {
  name: string;
  classname: string;
  file: string;
  line?: string;
  failure?: { message: string; '#text': string };
  error?: unknown;
};

describe('junitXml', () => {
  it('is well-formed and has one testcase per check, failures where checks failed', () => {
    const xml = junitXml(doc);
    expect(XMLValidator.validate(xml)).toBe(true);
    const root = parser.parse(xml).testsuites;
    expect(Number(root.tests)).toBe(doc.runs.reduce((n, r) => n + r.checks.length, 0));
    expect(Number(root.failures)).toBe(3);
    const [ok, bad] = root.testsuite as { name: string; failures: string; testcase: Case[] }[];
    expect(ok.name).toBe('two-tenants');
    expect(ok.failures).toBe('0');
    expect(ok.testcase.every((c) => c.failure === undefined)).toBe(true);
    const failed = bad.testcase.filter((c) => c.failure !== undefined);
    expect(failed.map((c) => c.name)).toEqual([
      'wrong reason: not delivered',
      'wrong reason: reason NO_ROUTE',
      'wrong path: path [h1, h2, h1, h2]',
    ]);
    expect(failed[0].file).toBe('test/harness/run/fixtures/failing.yaml');
    expect(failed[0].line).toBe('16');
    expect(failed[1].failure!['#text']).toMatch(/^test\/harness\/run\/fixtures\/failing\.yaml:16:5: expected NO_ROUTE/);
  });

  it('a control-plane refusal is an <error>; markup and control characters cannot break the XML', () => {
    const hostile: RunDoc = {
      ...doc,
      runs: [
        {
          ...doc.runs[0],
          name: 'a<b>&"c"',
          checks: [
            { id: 'setup', kind: 'error', name: "it's <broken>", ok: false, message: 'bad \u0001 byte & </testcase>', line: 1, column: 1 },
          ],
        },
      ],
    };
    const xml = junitXml(hostile);
    expect(XMLValidator.validate(xml)).toBe(true);
    const s = parser.parse(xml).testsuites.testsuite[0];
    expect(s.name).toBe('a<b>&"c"');
    expect(s.errors).toBe('1');
    expect(s.testcase[0].error).toBeDefined();
    expect(xmlEscape('<&>"\'\u0000')).toBe('&lt;&amp;&gt;&quot;&apos;');
  });
});
