// The kernel engines: every shipped scenario hop by hop in the model and in the kernel,
// and proof that a difference is caught (a model whose state lost one entry).
import { expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { describeBpf } from '../../support/bpf-gate.ts';
import { loadScenario } from '../../../harness/scenario/load.ts';
import { runScenario } from '../../../harness/run/scenario-run.ts';
import { Engine } from '../../../harness/engine/engine.ts';
import { epKey } from '../../../model/dataplane/state.ts';

const SHIPPED = readdirSync('scenarios')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `scenarios/${f}`);

describeBpf('scenarios on the kernel', () => {
  it.each(SHIPPED)('%s: model and kernel agree hop by hop (target both)', (file) => {
    const r = runScenario(loadScenario(file), { engine: (cp) => new Engine(cp, 'both'), target: 'both' });
    expect(r.checks.filter((c) => c.kind === 'mismatch')).toEqual([]);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.packets.every((p) => p.hops.every((h) => h.kernel !== undefined))).toBe(true);
  });

  it.each(SHIPPED)('%s: passes on the kernel alone (target xdp)', (file) => {
    const r = runScenario(loadScenario(file), { engine: (cp) => new Engine(cp, 'xdp'), target: 'xdp' });
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    // The kernel records decision points, not lookups: the model's points, hop for hop.
    const m = runScenario(loadScenario(file), { engine: (cp) => new Engine(cp, 'model'), target: 'model' });
    const points = (d: typeof r): string[][] => d.packets.map((p) => p.hops.map((h) => h.points.map((x) => x.name).join(' ')));
    expect(points(r)).toEqual(points(m));
    expect(r.packets.flatMap((p) => p.hops.flatMap((h) => h.points.flatMap((x) => x.lookups)))).toEqual([]);
    expect(points(m).flat().length).toBeGreaterThan(0);
  });

  it('a model/kernel difference fails the run and names the hop and the fields', () => {
    const r = runScenario(loadScenario('scenarios/two-tenants.yaml'), {
      target: 'both',
      probe: false,
      engine: (cp) => {
        // The engine writes the kernel's maps when it starts and after every step; right
        // after each write the model's bouncers forget the endpoints of other hosts.
        const forget = (): void => {
          for (const ep of cp.endpoints.values()) {
            for (const b of ep.network.bouncers) if (b !== ep.host) b.state.map('endpoints').delete(epKey(ep.network.vpc.vni, ep.ip));
          }
        };
        const e = new Engine(cp, 'both');
        forget();
        const sync = e.sync.bind(e);
        e.sync = (hosts?: Iterable<string>) => {
          sync(hosts);
          forget();
        };
        return e;
      },
    });
    expect(r.ok).toBe(false);
    const mms = r.checks.filter((c) => c.kind === 'mismatch');
    expect(r.mismatches).toBe(mms.length);
    const mm = mms[0];
    expect(mm.name).toMatch(/^model and kernel agree: packet \d+ .* hop \d+ on \S+ (agent|transit)$/);
    // The model's bouncer no longer knows the target: it drops what the kernel delivers.
    expect(mm.message).toMatch(
      /^action: model DROP, kernel REDIRECT; reason: model ARP_UNKNOWN_TARGET \(\d+\), kernel DECAP_DELIVER \(\d+\);/,
    );
    for (const c of mms)
      expect(c.message).toMatch(/^action: model DROP, kernel (REDIRECT|TX); reason: model [A-Z_]+ \(\d+\), kernel [A-Z_]+/);
  });
});
