// scenarios/divider-route.yaml: a divider really routes. Every IP packet delivered across the
// two subnets arrives with its inner TTL one below what the pod sent and with the gateway MAC
// of the receiver's subnet as its source MAC (docs/dataplane.md 4.2 step 11, 4.3 "route"), on
// the model and on the kernel; the path names the divider.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadScenario, parseScenario } from '../../harness/scenario/load.ts';
import { runScenario } from '../../harness/run/scenario-run.ts';
import { Engine } from '../../harness/engine/engine.ts';
import { fromHex } from '../../model/wire/hex.ts';
import { ControlPlane } from '../../model/control/plane.ts';
import { macToString } from '../../model/wire/addr.ts';
import type { PacketDoc, ScenarioRunDoc } from '../../report/json-schema/run-doc.ts';
import { describeBpf } from '../support/bpf-gate.ts';

const FILE = 'scenarios/divider-route.yaml';

/** The IP packets delivered to a pod across the subnets, as the pod received them. */
function crossSubnetDeliveries(run: ScenarioRunDoc): Array<{ p: PacketDoc; to: string; frame: Uint8Array }> {
  const out: Array<{ p: PacketDoc; to: string; frame: Uint8Array }> = [];
  for (const p of run.packets) {
    if (p.outcome.kind !== 'delivered' || p.role === 'arp') continue;
    const last = p.hops[p.hops.length - 1];
    const f = fromHex(last.frameOut!);
    if (f[12] !== 0x08 || f[13] !== 0x00) continue;
    out.push({ p, to: p.outcome.endpoint, frame: f });
  }
  return out;
}

function checkRouted(run: ScenarioRunDoc, gw: Record<string, string>): void {
  expect(run.checks.filter((c) => !c.ok)).toEqual([]);
  // The scenario says it itself (`routed: true` on each send); the replies are checked below.
  expect(run.checks.filter((c) => c.id.endsWith('.routed')).map((c) => c.ok)).toEqual([true, true, true]);
  const got = crossSubnetDeliveries(run);
  expect(got.length, 'requests and replies both ways').toBeGreaterThanOrEqual(8);
  for (const { p, to, frame } of got) {
    const subnet = to.startsWith('app') ? 'app' : 'web';
    expect(frame[22], `packet ${p.id} (${p.summary}): inner TTL after one route`).toBe(63);
    expect(macToString(frame.subarray(6, 12)), `packet ${p.id}: source MAC is ${subnet}'s gateway MAC`).toBe(gw[subnet]);
    expect(
      p.hops.some((h) => h.host === 'node-2' && (h.reason === 'ROUTE_TO_BOUNCER' || h.reason === 'ROUTE_TO_HOST')),
      `packet ${p.id} crossed the divider's transit_route`,
    ).toBe(true);
  }
}

/** The gateway MACs the control plane assigned (docs section 1), by subnet. */
function gwMacs(): Record<string, string> {
  let macs: Record<string, string> = {};
  runScenario(loadScenario(FILE), {
    target: 'model',
    probe: false,
    engine: (cp: ControlPlane) => {
      const gw = (n: string): string => macToString([...cp.networks.values()].find((x) => x.name.endsWith(n))!.gatewayMac);
      macs = { web: gw('web'), app: gw('app') };
      return new Engine(cp, 'model');
    },
  });
  return macs;
}

describe('divider-route on the model', () => {
  it('every packet across the subnets is routed by the divider: TTL 63, gateway source MAC', () => {
    const run = runScenario(loadScenario(FILE), { engine: (cp: ControlPlane) => new Engine(cp, 'model'), target: 'model', probe: false });
    checkRouted(run, gwMacs());
  });
});

describe('the routed expectation', () => {
  it('fails, saying what arrived, where a routed packet is expected bridged', () => {
    const text = readFileSync(FILE, 'utf8').replace(/routed: true/g, 'routed: false');
    const run = runScenario(parseScenario(text, 'bridged.yaml'), {
      engine: (cp: ControlPlane) => new Engine(cp, 'model'),
      target: 'model',
      probe: false,
    });
    const bad = run.checks.filter((c) => !c.ok);
    expect(bad.map((c) => c.id)).toEqual(['send[0].routed', 'send[1].routed', 'send[2].routed']);
    expect(bad[0].message).toMatch(
      /^packet \d+: TTL 63, sent with 64, expected 64; packet \d+: source MAC 02:67:77:[0-9a-f:]+, expected [0-9a-f:]+ \(the sender\)/,
    );
  });
});

describeBpf('divider-route on the kernel', () => {
  it('the kernel routes the same packets the same way (target both: hop by hop against the model)', () => {
    const run = runScenario(loadScenario(FILE), { engine: (cp: ControlPlane) => new Engine(cp, 'both'), target: 'both', probe: false });
    checkRouted(run, gwMacs());
  });
});
