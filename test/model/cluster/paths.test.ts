// End-to-end paths on the address book: ARP first, then direct; service bounced once then
// direct, replies un-NATed; outer TTL on every forward; invalidation after delete and move.
import { describe, expect, it } from 'vitest';
import { icmpEcho, resolve, tcpFrame, udpFrame } from '../../../model/cluster/frames.ts';
import type { Path } from '../../../model/cluster/cluster.ts';
import { reasonName } from '../../../model/dataplane/tables.ts';
import { ipv4 } from '../../../model/wire/addr.ts';
import { HOSTS, WEB, addressBook, ip } from '../support/addressbook.ts';
import { dotted, u16 } from '../support/test-frames.ts';

const reasons = (p: Path) => p.hops.map((h) => `${h.host}:${reasonName(h.verdict.reason)}`);
const deliveredTo = (p: Path) => (p.outcome.kind === 'delivered' ? p.outcome.pod : `(${p.outcome.kind})`);

describe('paths', () => {
  it("ARP is answered by the bouncer with the target's host; the first IP packet goes direct, and so do replies", () => {
    const { cl } = addressBook();
    const arp = resolve(cl, 'a1', ip('a2'));
    expect(reasons(arp)).toEqual(['h1:ENCAP_TO_BOUNCER', 'h3:ARP_REPLY', 'h1:DECAP_DELIVER']);
    expect(deliveredTo(arp), 'the reply reaches the asking pod').toBe('a1');
    const ping = cl.send('a1', icmpEcho(cl, 'a1', ip('a2')));
    expect(reasons(ping), 'the very first IP packet goes straight to the host learnt from the ARP reply').toEqual([
      'h1:ENCAP_TO_HOST',
      'h2:DECAP_DELIVER',
    ]);
    expect(ping.underlayCrossings).toBe(1);
    resolve(cl, 'a2', ip('a1'));
    const pong = cl.send('a2', icmpEcho(cl, 'a2', ip('a1'), { type: 'reply' }));
    expect(reasons(pong), 'replies go direct too').toEqual(['h2:ENCAP_TO_HOST', 'h1:DECAP_DELIVER']);
  });

  it('the gateway and VIPs are answered without host location; cross-subnet goes through the divider as a router', () => {
    const { cl } = addressBook({ withService: true });
    const gw = resolve(cl, 'a1', ip('b1'));
    expect(reasons(gw)).toEqual(['h1:ENCAP_TO_BOUNCER', 'h3:ARP_REPLY', 'h1:DECAP_DELIVER']);
    expect(gw.hops[1].verdict.output!.length, 'no option: 50 + 42 bytes').toBe(92);
    const vip = resolve(cl, 'a1', ipv4(WEB.vip));
    expect(vip.hops[1].verdict.output!.length).toBe(92);
    const p = cl.send('a1', icmpEcho(cl, 'a1', ip('b1'), { ttl: 30 }));
    expect(reasons(p)).toEqual([
      'h1:ENCAP_TO_BOUNCER',
      'h3:FORWARD_TO_DIVIDER',
      'h4:ROUTE_TO_BOUNCER',
      'h5:BOUNCE_TO_HOST',
      'h2:DECAP_DELIVER',
    ]);
    expect(deliveredTo(p)).toBe('b1');
    if (p.outcome.kind === 'delivered') expect(p.outcome.frame[22], 'routed once: inner TTL - 1').toBe(29);
    // Every forward decrements the outer TTL by one.
    for (const h of p.hops.slice(1, -1)) expect(h.verdict.output![22], `${h.host} forwards with TTL - 1`).toBe(h.frameIn[22] - 1);
    resolve(cl, 'b1', ip('a1'));
    const back = cl.send('b1', icmpEcho(cl, 'b1', ip('a1'), { type: 'reply' }));
    expect(reasons(back), 'the reply settles on host -> divider -> host').toEqual([
      'h2:ENCAP_TO_HOST',
      'h4:ROUTE_TO_HOST',
      'h1:DECAP_DELIVER',
    ]);
    const again = cl.send('a1', icmpEcho(cl, 'a1', ip('b1')));
    expect(reasons(again)).toEqual(['h1:ENCAP_TO_HOST', 'h4:ROUTE_TO_HOST', 'h2:DECAP_DELIVER']);
  });

  it('a service flow is bounced once, then goes direct to the backend; replies are un-NATed', () => {
    const { cl } = addressBook({ withService: true });
    const vip = ipv4(WEB.vip);
    resolve(cl, 'a3', vip);
    const first = cl.send('a3', tcpFrame(cl, 'a3', vip, { sport: 41000, dport: 80 }));
    expect(reasons(first).slice(0, 3)).toEqual(['h1:ENCAP_TO_BOUNCER', 'h3:SERVICE_BOUNCE', 'h1:SERVICE_REWRITE']);
    expect(first.outcome.kind).toBe('delivered');
    const backend = first.outcome.kind === 'delivered' ? first.outcome.pod : '';
    expect(['a2', 'b1']).toContain(backend);
    const second = cl.send('a3', tcpFrame(cl, 'a3', vip, { sport: 41000, dport: 80, flags: 'A' }));
    expect(reasons(second), 'later packets skip the bouncer').toEqual(['h1:ENCAP_TO_BACKEND', 'h2:DECAP_DELIVER']);
    expect(deliveredTo(second), 'the same backend every time').toBe(backend);
    resolve(cl, backend, ip('a3'));
    const reply = cl.send(backend, tcpFrame(cl, backend, ip('a3'), { sport: WEB.tcpTarget, dport: 41000, flags: 'SA' }));
    expect(deliveredTo(reply)).toBe('a3');
    if (reply.outcome.kind === 'delivered') {
      expect(dotted(reply.outcome.frame, 26), 'the reply comes from the VIP').toBe(WEB.vip);
      expect(u16(reply.outcome.frame, 34), 'and from the VIP port').toBe(WEB.tcpPort);
    }
    const udp = cl.send('a3', udpFrame(cl, 'a3', vip, { sport: 5000, dport: WEB.udpPort }));
    expect(udp.outcome.kind, 'a UDP port of the service').toBe('delivered');
  });

  it('after delete or move, no frame reaches the old place', () => {
    const { cp, cl } = addressBook();
    resolve(cl, 'a1', ip('a2'));
    expect(deliveredTo(cl.send('a1', icmpEcho(cl, 'a1', ip('a2'))))).toBe('a2');
    cp.moveEndpoint('a2', 'h5');
    const moved = cl.send('a1', icmpEcho(cl, 'a1', ip('a2')));
    expect(deliveredTo(moved), 'the pod is reached at its new place').toBe('a2');
    expect(
      moved.hops.some((h) => h.host === 'h2'),
      'the old host sees nothing',
    ).toBe(false);
    expect(reasons(moved)).toEqual(['h1:ENCAP_TO_BOUNCER', 'h3:BOUNCE_TO_HOST', 'h5:DECAP_DELIVER']);
    cp.deleteEndpoint('a2');
    const gone = cl.send('a1', icmpEcho(cl, 'a1', ip('a2')));
    expect(gone.outcome.kind, 'a deleted endpoint is unknown everywhere').toBe('dropped');
    expect(
      gone.hops.some((h) => h.host === 'h5' || h.host === 'h2'),
      'neither old place is visited',
    ).toBe(false);
    expect(HOSTS.h5).toBeDefined();
  });
});
