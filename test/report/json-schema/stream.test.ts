// A run streamed to its outputs: the streamed document is the one JSON.stringify gives of
// the whole run (every packet, however few the returned document keeps), valid against its
// schema; the returned document keeps a bounded set and says how many packets there were.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { CompiledSchema } from '../../../harness/scenario/json-schema.ts';
import { RunDocText } from '../../../report/json-schema/stream.ts';
import { RUN_DOC_VERSION, type PacketDoc, type RunDoc, type ScenarioRunDoc } from '../../../report/json-schema/run-doc.ts';

const schema = new CompiledSchema(JSON.parse(readFileSync('report/json-schema/run.schema.json', 'utf8')));

function run(file: string, keepPerSend?: number, onPacket?: (p: PacketDoc) => void): ScenarioRunDoc {
  return runScenario(loadScenario(file), { engine: (cp) => new Engine(cp, 'model'), target: 'model', keepPerSend, onPacket });
}

describe('streamed runs', () => {
  it('keepPerSend bounds the packets kept; onPacket sees every one, in the unbounded order', () => {
    const whole = run('scenarios/demo.yaml');
    const streamed: PacketDoc[] = [];
    const bounded = run('scenarios/demo.yaml', 1, (p) => streamed.push(p));
    expect(streamed).toEqual(whole.packets);
    expect(whole.packetTotal).toBe(whole.packets.length);
    expect(bounded.packetTotal).toBe(whole.packetTotal);
    // Each send's first packet and the kept probes (no disagreement on the model).
    const probes = whole.packets.length - whole.sends.reduce((n, s) => n + s.packets.length, 0);
    expect(bounded.packets.length).toBe(bounded.sends.filter((s) => s.packets.length > 0).length + probes);
    const kept = new Set(bounded.packets.map((p) => p.id));
    for (const s of bounded.sends) if (s.packets.length > 0) expect(kept.has(s.packets[0])).toBe(true);
    expect(bounded.sends).toEqual(whole.sends);
    expect(bounded.checks).toEqual(whole.checks);
  });

  it('RunDocText writes what JSON.stringify writes, and it validates', () => {
    const runs: ScenarioRunDoc[] = [];
    let text = '';
    const w = new RunDocText((t) => (text += t), { version: RUN_DOC_VERSION, target: 'model' });
    for (const f of ['scenarios/demo.yaml', 'scenarios/two-tenants.yaml']) {
      const packets: PacketDoc[] = [];
      w.beginScenario();
      const r = run(f, 0, (p) => {
        packets.push(p);
        w.packet(p);
      });
      w.endScenario(r);
      runs.push({ ...r, packets });
    }
    w.end(true);
    const doc = JSON.parse(text) as RunDoc;
    const expected: RunDoc = { version: RUN_DOC_VERSION, target: 'model', runs, ok: true };
    expect(doc).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(doc.runs.map((r) => r.packets.length)).toEqual(runs.map((r) => r.packetTotal));
    expect(schema.validate(doc)).toEqual([]);
  });
});
