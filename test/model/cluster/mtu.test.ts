// docs/dataplane.md section 7 "MTU": no hop puts a frame on the underlay whose outer IP packet
// is larger than the sending host's MTU (the packet would be lost on a real link; test runs
// do not check MTU on TX, so only this property sees it), and every packet a pod sends at
// its MTU (underlay MTU - 102) is delivered: to an endpoint, across subnets, and to a VIP,
// whose first packet grows by a service-rewrite option at the bouncer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Path } from '../../../model/cluster/cluster.ts';
import { resolve, tcpFrame, udpFrame } from '../../../model/cluster/frames.ts';
import { CONSTS } from '../../../model/dataplane/consts.ts';
import { reasonName } from '../../../model/dataplane/tables.ts';
import { ipv4 } from '../../../model/wire/addr.ts';
import { type PodName, WEB, addressBook, ip } from '../support/addressbook.ts';

const MTU = 1500;
const POD_MTU = MTU - CONSTS.MTU_RESERVE;

/** Outer IP length of every frame the path put on the underlay, with the host that sent it. */
function underlayFrames(p: Path): Array<{ host: string; ipLen: number }> {
  return p.hops
    .filter((h) => h.verdict.output !== null && (h.verdict.action === 'TX' || (h.verdict.action === 'REDIRECT' && h.verdict.target === 2)))
    .map((h) => ({ host: h.host, ipLen: h.verdict.output!.length - CONSTS.ETH_HLEN }));
}

describe('MTU on every hop that grows a packet', () => {
  it('pod MTU is underlay MTU - 102: encapsulation and a service-rewrite option', () => {
    expect(CONSTS.MTU_RESERVE).toBe(CONSTS.ENCAP_LEN + CONSTS.OPT_SVC_LEN);
    expect(POD_MTU).toBe(1398);
  });

  it('no frame on the underlay exceeds the MTU; packets up to the pod MTU are delivered, larger ones dropped MTU_EXCEEDED at the agent', () => {
    const dst = fc.constantFrom<{ to: PodName | 'vip'; proto: 'udp' | 'tcp' }>(
      { to: 'a2', proto: 'udp' },
      { to: 'b1', proto: 'udp' },
      { to: 'vip', proto: 'udp' },
      { to: 'vip', proto: 'tcp' },
    );
    // IP lengths around both limits: the pod MTU (1398) and the old one (1434 = 1500 - 66).
    const ipLen = fc.oneof(
      fc.integer({ min: POD_MTU - 3, max: POD_MTU + 3 }),
      fc.integer({ min: 1430, max: 1436 }),
      fc.integer({ min: 60, max: 1500 }),
    );
    fc.assert(
      fc.property(dst, ipLen, fc.nat({ max: 5000 }), ({ to, proto }, len, sport) => {
        const { cl } = addressBook({ withService: true, mtu: MTU });
        const daddr = to === 'vip' ? ipv4(WEB.vip) : ip(to);
        resolve(cl, 'a1', daddr);
        const l4 = proto === 'udp' ? 8 : 20;
        const payload = new Uint8Array(len - 20 - l4);
        const o = { sport: 40000 + sport, dport: to === 'vip' ? (proto === 'udp' ? WEB.udpPort : WEB.tcpPort) : 7, payload };
        const frame = proto === 'udp' ? udpFrame(cl, 'a1', daddr, o) : tcpFrame(cl, 'a1', daddr, o);
        const p = cl.send('a1', frame);
        for (const f of underlayFrames(p))
          expect(f.ipLen, `${f.host} sent ${f.ipLen} bytes of IP on a ${MTU}-byte underlay`).toBeLessThanOrEqual(MTU);
        if (len <= POD_MTU) {
          expect(p.outcome.kind, `${len} bytes to ${to}: ${p.hops.map((h) => `${h.host}:${reasonName(h.verdict.reason)}`).join(' ')}`).toBe(
            'delivered',
          );
        } else {
          expect(p.outcome).toMatchObject({ kind: 'dropped', host: 'h1' });
          expect(reasonName(p.hops[p.hops.length - 1].verdict.reason)).toBe('MTU_EXCEEDED');
        }
      }),
      { seed: 0x7a6e0002, numRuns: 300 },
    );
  });

  it('a bouncer with a smaller MTU than the sender drops the grown first packet to a VIP: MTU_EXCEEDED, not a lost frame', () => {
    const { cp, cl } = addressBook({ withService: true, mtu: 0 });
    // The bouncer h3 alone runs a 1400-byte underlay; h1 (no MTU) admits anything.
    cp.host('h3')
      .state.map('cfg')
      .set(0, { ...cp.host('h3').state.config, mtu: 1400 });
    resolve(cl, 'a1', ipv4(WEB.vip));
    const at = (ipLen: number): Path =>
      cl.send('a1', udpFrame(cl, 'a1', ipv4(WEB.vip), { sport: 40000 + ipLen, dport: WEB.udpPort, payload: new Uint8Array(ipLen - 28) }));
    // Outer length at the bouncer = ipLen + 66; with the option + 36 <= 1400.
    expect(at(1298).outcome.kind).toBe('delivered');
    const p = at(1299);
    expect(p.outcome).toMatchObject({ kind: 'dropped', host: 'h3' });
    expect(reasonName(p.hops[p.hops.length - 1].verdict.reason)).toBe('MTU_EXCEEDED');
  });
});
