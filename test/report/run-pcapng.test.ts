// A run's capture: each hop's frames come from the bytes the run still holds when it passes
// them (streamed runs), else from the document's hex. Both must give the same packets.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../harness/scenario/load.ts';
import { Engine } from '../../harness/engine/engine.ts';
import type { EngineHop } from '../../harness/engine/hop.ts';
import { runScenario } from '../../harness/run/scenario-run.ts';
import type { PacketDoc } from '../../report/json-schema/run-doc.ts';
import { packetFrames } from '../../report/run-pcapng.ts';

describe('packetFrames', () => {
  const streamed: Array<{ doc: PacketDoc; hops: readonly EngineHop[] | undefined }> = [];
  runScenario(loadScenario('scenarios/service-failover.yaml'), {
    engine: (cp) => new Engine(cp, 'model'),
    target: 'model',
    onPacket: (doc, hops) => streamed.push({ doc, hops }),
  });
  const names = new Map<string, number>();
  const iface = (n: string): number => {
    if (!names.has(n)) names.set(n, names.size);
    return names.get(n)!;
  };

  it("takes the hops' bytes when given, and they are the document's frames", () => {
    const given = streamed.filter((s) => s.hops !== undefined);
    expect(given.length).toBeGreaterThan(10);
    for (const { doc, hops } of given) {
      const fromBytes = packetFrames(doc, 1000n, iface, undefined, hops);
      const fromHex = packetFrames(doc, 1000n, iface);
      expect(fromBytes).toEqual(fromHex);
      // The bytes themselves, not a copy read back from the text.
      expect(fromBytes[0].data).toBe(hops![0].frameIn);
    }
  });

  it('reads the hex when the hops do not match the document', () => {
    const { doc, hops } = streamed.find((s) => s.hops !== undefined && s.hops.length > 1)!;
    const short = hops!.slice(0, 1);
    const frames = packetFrames(doc, 0n, iface, undefined, short);
    expect(frames).toEqual(packetFrames(doc, 0n, iface));
    expect(frames[0].data).not.toBe(short[0].frameIn);
  });
});
