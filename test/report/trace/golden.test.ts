// Golden traces: every shipped scenario's packets at the minimal level (only packet changes
// and outputs, made to be stable), compared with test/golden/<scenario>.minimal.txt.
// After an intended change, regenerate with:
//   TWINPLANE_UPDATE_GOLDEN=1 npx vitest run test/report/trace/golden.test.ts
// and review the diff like code.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { renderTrace } from '../../../report/trace/render.ts';

const UPDATE = process.env.TWINPLANE_UPDATE_GOLDEN === '1';
const SHIPPED = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('golden minimal traces', () => {
  it.each(SHIPPED)('%s', (f) => {
    const s = loadScenario(`scenarios/${f}`);
    const run = runScenario(s, { engine: (cp) => new Engine(cp, 'model'), target: 'model', probe: false });
    const text = renderTrace(run.packets, 'minimal');
    const golden = `test/golden/${s.name}.minimal.txt`;
    if (UPDATE || !existsSync(golden)) {
      mkdirSync('test/golden', { recursive: true });
      writeFileSync(golden, text);
      if (!UPDATE) throw new Error(`${golden} did not exist: written now, review it and run again`);
    }
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });
});
