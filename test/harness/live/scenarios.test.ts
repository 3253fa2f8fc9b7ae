// Every shipped scenario live, the adversarial one included: every send is played — the
// pods' kernels for plain traffic, the model's own frames injected for ARP, raw and forged
// sends — and every live result agrees with the model and the kernel. A harness failure
// here (a check that fails for reasons of the live harness) is a bug of the harness.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { runScenarioLive } from '../../../harness/live/live-run.ts';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { expectNothingLeft } from './live-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
/** The transit's verdicts for underlay frames that are not overlay traffic: handed to the host's stack. */
const UNDERLAY_PASSES = ['PASS_NOT_IPV4', 'PASS_NOT_UDP', 'PASS_NOT_FOR_HOST', 'PASS_NOT_GENEVE'];
// demo.yaml runs in overlay.test.ts, with checks of its own.
const SHIPPED = [
  'lifecycle',
  'adversarial',
  'two-tenants',
  'service-failover',
  'endpoint-move',
  'hairpin',
  'divider-route',
  'verify-stale-cache',
  'verify-state-isolation',
  'compare',
];

describeBpf('live: every shipped scenario', () => {
  const prefixes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tp-live-scenarios-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expectNothingLeft(prefixes);
  });

  // The option class reaches the real hosts too: Mizar's 0x0111 on every host, and the live
  // comparison reads the options in it (host and backend attribution), as the model does.
  it('service-failover with option class 0x0111: every check and comparison green', async () => {
    const s = { ...loadScenario(join(ROOT, 'scenarios', 'service-failover.yaml')), optionClass: 0x0111 };
    const r = await runScenarioLive(s, { captureDir: join(dir, 'optclass'), onPrefix: (p) => prefixes.push(p) });
    expect(r.checks.filter((c) => !c.ok).map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    expect(r.sends.flatMap((x) => x.disagreements.map((d) => `${x.name} @ ${d.where}: ${d.live}`))).toEqual([]);
    expect(r.kernelMismatches).toBe(0);
    const hops = r.sends.flatMap((x) => x.comparison.pairs.flatMap((p) => p.live.hops));
    expect(hops.length).toBeGreaterThan(0);
    // Every Geneve frame on the wire carries its options in class 0x0111 (right after the 8-byte header).
    for (const h of hops) expect(h.hex.slice((14 + 20 + 8 + 8) * 2, (14 + 20 + 8 + 8 + 2) * 2)).toBe('0111');
  }, 60_000);

  for (const name of SHIPPED) {
    it(`${name}: every send played live, every check and comparison green`, async () => {
      const s = loadScenario(join(ROOT, 'scenarios', `${name}.yaml`));
      const r = await runScenarioLive(s, { captureDir: join(dir, name), onPrefix: (p) => prefixes.push(p) });
      const sends = s.steps.filter((x) => x.kind === 'send');
      expect(r.sends).toHaveLength(sends.length);
      expect(r.checks.filter((c) => !c.ok).map((c) => `${c.id}: ${c.message}`)).toEqual([]);
      expect(r.sends.flatMap((x) => x.disagreements.map((d) => `${x.name} @ ${d.where}: ${d.live}`))).toEqual([]);
      expect(r.kernelMismatches).toBe(0);
      if (name === 'adversarial') {
        // Raw, spoofed, tagged, forged and ARP sends are all injected, none skipped.
        expect(r.sends.filter((x) => x.played === 'injected').map((x) => x.name)).toEqual([
          'spoofed source IP',
          'spoofed source MAC',
          'ARP claiming another address',
          'VLAN-tagged frame',
          'ARP for an address both tenants use',
          'ARP for an address only the other tenant uses',
          'forged Geneve for the other tenant',
          'not IPv4',
        ]);
        // The send's one run, exactly. The hosts' own stacks may speak on the underlay while it
        // runs (once in many CI runs a frame that was not IPv4 reached node-1's underlay during
        // this send): the transit hands such a frame to the stack under one of its underlay pass
        // reasons, and nothing of the send can end there.
        const counted = { ...r.sends.find((x) => x.name === 'not IPv4')!.counters['node-1'] };
        for (const bg of UNDERLAY_PASSES) delete counted[bg];
        expect(counted).toEqual({ BAD_ETHERTYPE: 1 });
      }
    });
  }
});
