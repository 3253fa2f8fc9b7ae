// The shared address book of the model tests: hosts, two VPCs on the same CIDR, subnets with
// their bouncers, a divider, pods placed to exercise every path, and one service. Every
// test builds a fresh copy, so learning in one test never leaks into another.

import { Cluster } from '../../../model/cluster/cluster.ts';
import { ControlPlane } from '../../../model/control/plane.ts';
import { ipv4 } from '../../../model/wire/addr.ts';

export const VNI_BLUE = 100;
export const VNI_RED = 200;

export const HOSTS = {
  h1: { ip: '10.0.0.1', mac: '02:00:00:00:00:01' },
  h2: { ip: '10.0.0.2', mac: '02:00:00:00:00:02' },
  /** Bouncer of blue-a and red-a. */
  h3: { ip: '10.0.0.3', mac: '02:00:00:00:00:03' },
  /** Divider of both VPCs. */
  h4: { ip: '10.0.0.4', mac: '02:00:00:00:00:04' },
  /** Bouncer of blue-b. */
  h5: { ip: '10.0.0.5', mac: '02:00:00:00:00:05' },
} as const;

export const UNDERLAY_IFINDEX = 2;

/** Pods: name -> network, IP, MAC, host. a1 and r1 share an IP in different VPCs. */
export const PODS = {
  a1: { network: 'blue-a', ip: '192.168.1.10', mac: '0a:00:00:00:01:0a', host: 'h1' },
  a2: { network: 'blue-a', ip: '192.168.1.11', mac: '0a:00:00:00:01:0b', host: 'h2' },
  a3: { network: 'blue-a', ip: '192.168.1.12', mac: '0a:00:00:00:01:0c', host: 'h1' },
  b1: { network: 'blue-b', ip: '192.168.2.10', mac: '0a:00:00:00:02:0a', host: 'h2' },
  b2: { network: 'blue-b', ip: '192.168.2.11', mac: '0a:00:00:00:02:0b', host: 'h1' },
  r1: { network: 'red-a', ip: '192.168.1.10', mac: '0a:00:00:00:03:0a', host: 'h2' },
  r2: { network: 'red-a', ip: '192.168.1.20', mac: '0a:00:00:00:03:14', host: 'h1' },
} as const;

export type PodName = keyof typeof PODS;

export const WEB = { vip: '192.168.1.100', tcpPort: 80, tcpTarget: 8080, udpPort: 53 } as const;

export const ip = (name: PodName): number => ipv4(PODS[name].ip);

export interface Book {
  cp: ControlPlane;
  cl: Cluster;
}

/** A fresh cluster with the address book provisioned; `withService` adds "web". */
export function addressBook(opts: { withService?: boolean; mtu?: number } = {}): Book {
  const cp = new ControlPlane();
  for (const [name, h] of Object.entries(HOSTS))
    cp.createHost({ name, ip: h.ip, mac: h.mac, underlayIfindex: UNDERLAY_IFINDEX, mtu: opts.mtu ?? 0 });
  cp.createVpc({ name: 'blue', vni: VNI_BLUE, cidr: '192.168.0.0/16', dividers: ['h4'] });
  cp.createVpc({ name: 'red', vni: VNI_RED, cidr: '192.168.0.0/16', dividers: ['h4'] });
  cp.createNetwork({ name: 'blue-a', vpc: 'blue', cidr: '192.168.1.0/24', bouncers: ['h3'] });
  cp.createNetwork({ name: 'blue-b', vpc: 'blue', cidr: '192.168.2.0/24', bouncers: ['h5'] });
  cp.createNetwork({ name: 'red-a', vpc: 'red', cidr: '192.168.1.0/24', bouncers: ['h3'] });
  for (const [name, p] of Object.entries(PODS)) cp.createEndpoint({ name, network: p.network, ip: p.ip, mac: p.mac, host: p.host });
  if (opts.withService) {
    cp.createService({
      name: 'web',
      vpc: 'blue',
      vip: WEB.vip,
      ports: [
        { port: WEB.tcpPort, protocol: 'tcp', targetPort: WEB.tcpTarget },
        { port: WEB.udpPort, protocol: 'udp' },
      ],
      backends: ['a2', 'b1'],
    });
  }
  return { cp, cl: new Cluster(cp) };
}
