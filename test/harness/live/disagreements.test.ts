// What the real stack teaches, and what it confirms. Live, the pods' kernels are the
// referee the model and the kernel cannot be for each other:
//   - a ping bigger than the pod's MTU: the model's runner sends one frame and the agent
//     drops it MTU_EXCEEDED; the pod's kernel fragments it and the fragments arrive — a
//     disagreement, reported as one (the packet, the verdicts, a pcapng);
//   - a service packet at exactly the pod MTU (underlay − 102) gets the 36-byte
//     service-rewrite option at the bouncer and still fits the underlay: it arrives live
//     as on the model (issue 12 item 2; before, pods were told underlay − 66 and the wire
//     lost what the model delivered);
//   - a pod reaching itself through its own VIP, by ICMP and by TCP: the bouncer masquerades
//     the source as the subnet's gateway, so the pod's kernel takes the SYN (before, it
//     arrived from the pod's own address and Linux dropped it as a martian; issue 12 item 3).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBpf } from '../../support/bpf-gate.ts';
import { runScenarioLive, type LiveRunResult } from '../../../harness/live/live-run.ts';
import type { LiveSendResult } from '../../../harness/live/live-send.ts';
import { parseScenario } from '../../../harness/scenario/load.ts';
import { expectNothingLeft } from './live-fixtures.ts';
import { POD_MTU } from '../../../harness/live/spec.ts';

const SCENARIO = `
name: live-lessons
hosts:
  - { name: n1, ip: 192.168.70.1 }
  - { name: n2, ip: 192.168.70.2 }
  - { name: n3, ip: 192.168.70.3 }
vpcs:
  - name: t
    vni: 7
    cidr: 10.70.0.0/16
    networks:
      - { name: pods, cidr: 10.70.1.0/24, bouncers: [n2] }
endpoints:
  - { name: a, vpc: t, network: pods, ip: 10.70.1.10, host: n1 }
  - { name: b, vpc: t, network: pods, ip: 10.70.1.11, host: n3 }
services:
  - { name: svc-b, vpc: t, vip: 10.70.1.200, ports: [{ port: 80, protocol: tcp }], backends: [b] }
  - { name: svc-a, vpc: t, vip: 10.70.1.201, ports: [{ port: 80, protocol: tcp }], backends: [a] }
steps:
  - send: { name: bigger than the pod MTU, from: a, to: b, proto: icmp, payload: "${'x'.repeat(1500)}" }
  - send: { name: fits the underlay after the bouncer, from: a, to: svc-b, proto: icmp, payload: "${'y'.repeat(POD_MTU - 28)}" }
  - send: { name: hairpin through its own VIP, from: a, to: svc-a, proto: icmp }
  - send: { name: TCP hairpin through its own VIP, from: a, to: svc-a, proto: tcp, port: 80 }
`;

describeBpf('live disagreements: the real stack’s rules', () => {
  let r: LiveRunResult;
  const prefixes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tp-live-lessons-'));
  const send = (name: string): LiveSendResult => r.sends.find((x) => x.name === name)!;

  beforeAll(async () => {
    r = await runScenarioLive(parseScenario(SCENARIO, 'live-lessons.yaml'), { captureDir: dir, onPrefix: (p) => prefixes.push(p) });
  }, 120_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expectNothingLeft(prefixes);
  });

  it('the model and the kernel agree with each other throughout: live disagrees only on fragmentation', () => {
    expect(r.kernelMismatches).toBe(0);
    expect(r.sends.filter((x) => x.disagreements.length > 0).map((x) => x.name)).toEqual(['bigger than the pod MTU']);
  });

  it('a datagram over the pod MTU: MTU_EXCEEDED on the model, fragments that arrive live', () => {
    const s = send('bigger than the pod MTU');
    expect(s.notes.join(' ')).toMatch(/fragmented the datagram at its MTU/);
    const v = s.disagreements.find((d) => d.where === 'verdicts')!;
    expect(v.live).toMatch(/n1 MTU_EXCEEDED: model 1, live 0/);
  });

  it('a service packet at the pod MTU keeps within the underlay MTU through the bouncer: it arrives live', () => {
    const s = send('fits the underlay after the bouncer');
    expect(s.disagreements).toEqual([]);
    expect(s.traffic).toMatch(/1 sent, 1 received/);
    // The largest frame on the underlay is the bouncer's: the IP packet, 66 bytes of
    // encapsulation and the 36-byte option, exactly the underlay MTU plus the Ethernet header.
    const sizes = s.comparison.pairs.flatMap((p) => p.live.hops).map((h) => h.hex.length / 2);
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.max(...sizes)).toBe(1500 + 14);
  });

  it('a hairpin through its own VIP, by ICMP and by TCP: masqueraded, answered live', () => {
    for (const name of ['hairpin through its own VIP', 'TCP hairpin through its own VIP']) {
      const s = send(name);
      expect(s.disagreements, name).toEqual([]);
      expect(s.notes.join(' '), name).not.toMatch(/whose source is its own address/);
    }
    expect(send('hairpin through its own VIP').traffic).toMatch(/1 received/);
    expect(send('TCP hairpin through its own VIP').traffic).toMatch(/1 sent, 1 echoed/);
  });

  it('each disagreement comes with a pcapng of the send that tshark opens', () => {
    for (const s of r.sends) {
      const n = execFileSync('tshark', ['-r', s.pcapng!], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n');
      expect(n.length, s.name).toBeGreaterThan(0);
    }
  });
});
