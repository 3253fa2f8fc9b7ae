// The default MACs of the control plane, the one rule for every MAC a scenario or caller does
// not give (docs/dataplane.md section 5). Scenario files are resolved with the same functions,
// so what a trace shows is what the control plane wrote.

import type { Ipv4, Mac } from '../wire/addr.ts';

/** A host: 02:00 then the four bytes of its underlay IP (locally administered, unique as the IP is). */
export function defaultHostMac(ip: Ipv4): Mac {
  return new Uint8Array([0x02, 0x00, ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff]);
}

/** The first two bytes of an endpoint's default MAC: 0x02 | (VNI bits 8-13) << 2, VNI bits 0-7. */
export function endpointMacPrefix(vni: number): [number, number] {
  return [0x02 | (((vni >>> 8) & 0x3f) << 2), vni & 0xff];
}

/**
 * An endpoint: the VNI prefix above, then the four bytes of its IP. Two VPCs sharing a CIDR
 * get different MACs for the same address while VNIs stay below 16384 (above, VNI bits fold).
 */
export function defaultEndpointMac(vni: number, ip: Ipv4): Mac {
  const [b0, b1] = endpointMacPrefix(vni);
  return new Uint8Array([b0, b1, ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff]);
}
