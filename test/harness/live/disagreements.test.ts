// What the real stack teaches: sends where the live run and the model part ways, each
// reported as a data-plane disagreement (the packet, the hop or verdict, model, kernel and
// live side, a pcapng), never as a harness failure.
//   - a ping bigger than the pod's MTU: the model's runner sends one frame and the agent
//     drops it MTU_EXCEEDED; the pod's kernel fragments it and the fragments arrive;
//   - a service packet that fits the pod's MTU grows by the 36-byte service-rewrite
//     option at the bouncer, past the underlay MTU: the model delivers it, the wire loses it;
//   - a pod reaching itself through its own VIP by TCP receives a SYN from its own address:
//     the model delivers it, the pod's kernel drops it as a martian. By ICMP it works on both
//     (ports are 0, so the un-NAT entry for the backend's answers also matches the request:
//     it arrives from the VIP, not from the pod itself).
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
  - send: { name: grows past the underlay at the bouncer, from: a, to: svc-b, proto: icmp, payload: "${'y'.repeat(1400)}" }
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

  it('the model and the kernel agree with each other throughout: only live disagrees', () => {
    expect(r.kernelMismatches).toBe(0);
    expect(r.sends.filter((x) => x.disagreements.length > 0).map((x) => x.name)).toEqual([
      'bigger than the pod MTU',
      'grows past the underlay at the bouncer',
      'TCP hairpin through its own VIP',
    ]);
  });

  it('a datagram over the pod MTU: MTU_EXCEEDED on the model, fragments that arrive live', () => {
    const s = send('bigger than the pod MTU');
    expect(s.notes.join(' ')).toMatch(/fragmented the datagram at its MTU/);
    const v = s.disagreements.find((d) => d.where === 'verdicts')!;
    expect(v.live).toMatch(/n1 MTU_EXCEEDED: model 1, live 0/);
  });

  it('a service packet grown past the underlay MTU at the bouncer: delivered on the model, lost live', () => {
    const s = send('grows past the underlay at the bouncer');
    const d = s.disagreements.map((x) => `${x.where}: ${x.live}`).join('\n');
    expect(d).toMatch(/path|wire frames|verdicts/);
    expect(s.traffic).toMatch(/0 received/);
  });

  it('a TCP hairpin through its own VIP: delivered on the model, dropped as a martian by the pod’s kernel', () => {
    const icmp = send('hairpin through its own VIP');
    expect(icmp.disagreements).toEqual([]);
    expect(icmp.traffic).toMatch(/1 received/);
    const s = send('TCP hairpin through its own VIP');
    expect(s.traffic).toMatch(/no connection/);
    // The SYN reached the pod's interface with the pod's own source address: its kernel answered nothing.
    const syn = s.comparison.pairs.find((p) => p.model.shape.endsWith('SYN'))!;
    expect(syn.live.deliveredTo).toEqual(['a']);
    const answer = s.disagreements.find((d) => d.where === 'answer')!;
    expect(answer).toMatchObject({ model: 'a answers', kernel: 'as the model' });
    expect(answer.packet).toMatch(/SYN-ACK/);
    expect(answer.live).toMatch(
      /a's kernel got the request and did not answer \(a received \d+ packet\(s\) whose source is its own address/,
    );
    expect(s.notes.join(' ')).toMatch(
      /a received \d+ packet\(s\) whose source is its own address 10\.70\.1\.10: Linux drops them as martians/,
    );
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
