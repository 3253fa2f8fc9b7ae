// Small DC/OS clusters and frames shared by the DC/OS model and kernel tests.
import { DcosControlPlane, type DcosContainer } from '../../../model/dcos/dcos-control.ts';
import { ether } from '../../../model/wire/builder.ts';
import { macToString } from '../../../model/wire/addr.ts';

/**
 * Three agents (10.0.0.1-3), two containers on a1 (c1, c2), one on a2 (c3), one on a3 (c4);
 * VIP web (named, tcp 80 -> c3:8080, c4:8080), VIP dns (11.1.1.1:53 udp -> c2:5353, c3:5353).
 */
export function smallCluster(opts: { detailedWrites?: boolean } = {}): DcosControlPlane {
  const cp = new DcosControlPlane(opts);
  for (let i = 1; i <= 3; i++) cp.addAgent({ name: `a${i}`, ip: `10.0.0.${i}` });
  cp.addContainer({ name: 'c1', agent: 'a1' });
  cp.addContainer({ name: 'c2', agent: 'a1' });
  cp.addContainer({ name: 'c3', agent: 'a2' });
  cp.addContainer({ name: 'c4', agent: 'a3' });
  cp.addVip({
    name: 'web',
    vip: 'web:80',
    protocol: 'tcp',
    backends: [
      { container: 'c3', port: 8080 },
      { container: 'c4', port: 8080 },
    ],
  });
  cp.addVip({
    name: 'dns',
    vip: '11.1.1.1:53',
    protocol: 'udp',
    backends: [
      { container: 'c2', port: 5353 },
      { container: 'c3', port: 5353 },
    ],
  });
  return cp;
}

/** The gateway MAC a container sends to: the agent's bridge (docs/dcos.md: 0e:00 + gateway). */
function gwMac(c: DcosContainer): string {
  return macToString(c.agent.state.maps.cfg.bridge_mac);
}

/** An ICMP echo request from container `c` to `dst`. */
export function ping(c: DcosContainer, dst: number | string, seq = 1): Uint8Array {
  return ether({ src: c.mac, dst: gwMac(c) })
    .ipv4({ src: c.ip, dst })
    .icmpEcho({ id: 7, seq })
    .payload('ping')
    .build();
}

/** A TCP segment from container `c`. */
export function tcp(c: DcosContainer, dst: number | string, sport: number, dport: number, flags: string): Uint8Array {
  return ether({ src: c.mac, dst: gwMac(c) })
    .ipv4({ src: c.ip, dst })
    .tcp({ sport, dport, flags, seq: 1000 })
    .payload('hello')
    .build();
}

/** A UDP datagram from container `c`. */
export function udp(c: DcosContainer, dst: number | string, sport: number, dport: number): Uint8Array {
  return ether({ src: c.mac, dst: gwMac(c) })
    .ipv4({ src: c.ip, dst })
    .udp({ sport, dport })
    .payload('query')
    .build();
}
