// A small address book shared by the builder, dissector and tshark tests: two underlay hosts
// and pods of one VPC (VNI 100), so every frame reads like the overlay's own traffic.
import { ipv4, mac } from '../../../model/wire/addr.ts';
import { type PacketBuilder, ether } from '../../../model/wire/builder.ts';
import type { HostLocationOption, ServiceRewriteOption } from '../../../model/wire/geneve-options.ts';

export const host1 = { ip: '10.0.0.1', mac: '02:00:00:00:00:01' } as const;
export const host2 = { ip: '10.0.0.2', mac: '02:00:00:00:00:02' } as const;
export const podA = { ip: '10.1.0.2', mac: '02:00:00:00:01:02' } as const;
export const podB = { ip: '10.1.0.3', mac: '02:00:00:00:01:03' } as const;
export const VNI = 100;

export const hostLocOf1: HostLocationOption = { kind: 'host-location', hostIp: ipv4(host1.ip), hostMac: mac(host1.mac) };
export const svcRewrite: ServiceRewriteOption = {
  kind: 'service-rewrite',
  vip: ipv4('10.1.0.100'),
  backendIp: ipv4('10.1.0.5'),
  vipPort: 80,
  backendPort: 8080,
  protocol: 6,
  backendMac: mac('02:00:00:00:01:05'),
  backendHostIp: ipv4('10.0.0.3'),
  backendHostMac: mac('02:00:00:00:00:03'),
};

/** Outer Ethernet/IPv4/UDP/Geneve from host1 to host2, ready for an inner frame. */
export function overlay(options: Parameters<PacketBuilder['geneve']>[0]['options'] = [hostLocOf1]): PacketBuilder {
  return ether({ src: host1.mac, dst: host2.mac })
    .ipv4({ src: host1.ip, dst: host2.ip, df: true })
    .udp({ sport: 49321 })
    .geneve({ vni: VNI, options });
}
