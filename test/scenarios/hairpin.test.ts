// scenarios/hairpin.yaml: a pod reaching itself through its own service. Every request the
// pod receives comes from its subnet's gateway, not from itself (the pod's stack would drop
// that: model/cluster/pod-stack.ts), every request is answered, and every answer reaches the
// pod un-NATed: from the VIP and its port, to the pod's own address and port. On the model
// and on the kernel.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../harness/scenario/load.ts';
import { runScenario } from '../../harness/run/scenario-run.ts';
import { Engine } from '../../harness/engine/engine.ts';
import { fromHex } from '../../model/wire/hex.ts';
import { podAccepts } from '../../model/cluster/pod-stack.ts';
import type { ControlPlane } from '../../model/control/plane.ts';
import { ipv4, readIpv4 } from '../../model/wire/addr.ts';
import type { ScenarioRunDoc } from '../../report/json-schema/run-doc.ts';
import { describeBpf } from '../support/bpf-gate.ts';

const FILE = 'scenarios/hairpin.yaml';
const POD = ipv4('10.60.1.10');
const GATEWAY = ipv4('10.60.1.1');
const VIP = ipv4('10.60.255.1');

function check(run: ScenarioRunDoc, mac: Uint8Array): void {
  expect(run.checks.filter((c) => !c.ok)).toEqual([]);
  const delivered = run.packets.filter((p) => p.outcome.kind === 'delivered' && p.role !== 'arp');
  const requests = delivered.filter((p) => p.role === 'request');
  const replies = delivered.filter((p) => p.role === 'reply');
  // 3 TCP + 1 UDP + 1 ICMP requests, each answered.
  expect(requests.length).toBe(5);
  expect(replies.length, 'every request was answered and the answer delivered').toBe(5);
  for (const p of delivered) {
    const f = fromHex(p.hops[p.hops.length - 1].frameOut!);
    expect(podAccepts(f, { ip: POD, mac }), `packet ${p.id} (${p.role}): the pod's stack takes it`).toEqual({ accept: true });
    expect(readIpv4(f, 30), `packet ${p.id}: to the pod`).toBe(POD);
    expect(readIpv4(f, 26), `packet ${p.id}: ${p.role === 'request' ? 'from the masquerade address' : 'from the VIP'}`).toBe(
      p.role === 'request' ? GATEWAY : VIP,
    );
  }
}

function podMac(): Uint8Array {
  let mac: Uint8Array = new Uint8Array(6);
  runScenario(loadScenario(FILE), {
    target: 'model',
    probe: false,
    engine: (cp: ControlPlane) => {
      mac = cp.endpoint('web-1').mac;
      return new Engine(cp, 'model');
    },
  });
  return mac;
}

describe('hairpin on the model', () => {
  it('requests arrive masqueraded as the gateway, answers arrive from the VIP', () => {
    check(
      runScenario(loadScenario(FILE), { engine: (cp: ControlPlane) => new Engine(cp, 'model'), target: 'model', probe: false }),
      podMac(),
    );
  });
});

describeBpf('hairpin on the kernel', () => {
  it('the kernel masquerades and un-NATs the same way (target both: hop by hop against the model)', () => {
    check(
      runScenario(loadScenario(FILE), { engine: (cp: ControlPlane) => new Engine(cp, 'both'), target: 'both', probe: false }),
      podMac(),
    );
  });
});
