// A generated scenario at scale, for the benchmarks: 20 hosts, 10 VPCs that all use the
// same CIDR (10.0.0.0/16), two subnets each, a divider and two bouncers per subnet, a
// service per VPC, and `pods` pods provisioned round-robin over the VPC's hosts, then the
// all-pairs isolation and reachability invariants. Each VPC lives on 8 consecutive hosts
// (its pods, bouncers and divider), so a host holds 4 VPCs: within the LEARNT_SLOTS (8)
// VPCs a host can hold learnt state for (docs/dataplane.md section 3, "Partitions").
import { parseScenario } from '../harness/scenario/load.ts';
import type { Scenario } from '../harness/scenario/types.ts';

export const SCALE_HOSTS = 20;
export const SCALE_VPCS = 10;

/** Hosts a VPC spans. */
export const SCALE_HOSTS_PER_VPC = 8;

const hosts = Array.from({ length: SCALE_HOSTS }, (_, i) => `h${i + 1}`);
const vpcHosts = (v: number): string[] => Array.from({ length: SCALE_HOSTS_PER_VPC }, (_, k) => hosts[(v * 2 + k) % SCALE_HOSTS]);

export function scaleScenarioText(pods: number): string {
  const lines = [
    `name: scale-${pods}`,
    `description: ${SCALE_HOSTS} hosts, ${SCALE_VPCS} VPCs on one CIDR, ${pods} pods, all pairs probed`,
    'hosts:',
    ...hosts.map((h, i) => `  - { name: ${h}, ip: 192.168.100.${i + 1} }`),
    'vpcs:',
  ];
  for (let v = 0; v < SCALE_VPCS; v++) {
    const at = (k: number): string => vpcHosts(v)[k];
    lines.push(
      `  - name: vpc${v + 1}`,
      `    vni: ${100 + v}`,
      '    cidr: 10.0.0.0/16',
      `    dividers: [${at(0)}]`,
      '    networks:',
      `      - { name: a, cidr: 10.0.1.0/24, bouncers: [${at(1)}, ${at(2)}] }`,
      `      - { name: b, cidr: 10.0.2.0/24, bouncers: [${at(2)}, ${at(3)}] }`,
    );
  }
  lines.push('services:');
  for (let v = 0; v < SCALE_VPCS; v++) {
    lines.push(`  - { name: api${v + 1}, vpc: vpc${v + 1}, vip: 10.0.255.1, ports: [{ port: 80, protocol: tcp }] }`);
  }
  lines.push('steps:');
  // Pods spread evenly over the 20 subnets, each subnet's pods over its VPC's hosts.
  const subnets = SCALE_VPCS * 2;
  for (let s = 0; s < subnets; s++) {
    const count = Math.floor(pods / subnets) + (s < pods % subnets ? 1 : 0);
    if (count === 0) continue;
    const vpc = `vpc${Math.floor(s / 2) + 1}`;
    const net = s % 2 === 0 ? 'a' : 'b';
    lines.push(
      `  - provision: { count: ${count}, vpc: ${vpc}, network: ${net}, hosts: [${vpcHosts(Math.floor(s / 2)).join(', ')}], namePrefix: ${vpc}-${net}- }`,
    );
  }
  lines.push('invariants: [isolation, reachability]', '');
  return lines.join('\n');
}

export function scaleScenario(pods: number): Scenario {
  return parseScenario(scaleScenarioText(pods), `scale-${pods}.yaml`);
}

/**
 * A flood: four hosts, one VPC, two pods on different hosts, and enough ICMP sends of 4,096
 * echoes each (every one answered) for about `packets` packets, with every output streamed.
 */
export function floodScenarioText(packets: number): string {
  const sends = Math.max(1, Math.round(packets / (2 * 4096)));
  const lines = [
    'name: flood',
    `description: ${sends} sends of 4096 echoes and their replies (${sends * 8192} packets)`,
    'hosts:',
    ...[1, 2, 3, 4].map((i) => `  - { name: h${i}, ip: 192.168.50.${i} }`),
    'vpcs:',
    '  - name: v',
    '    vni: 7',
    '    cidr: 10.7.0.0/16',
    '    networks:',
    '      - { name: n, cidr: 10.7.1.0/24, bouncers: [h3] }',
    'endpoints:',
    '  - { name: a, vpc: v, network: n, ip: 10.7.1.10, host: h1 }',
    '  - { name: b, vpc: v, network: n, ip: 10.7.1.11, host: h2 }',
    'steps:',
  ];
  for (let i = 0; i < sends; i++)
    lines.push(`  - send: { name: flood ${i + 1}, from: a, to: b, proto: icmp, count: 4096, expect: { delivered: true, to: b } }`);
  lines.push('');
  return lines.join('\n');
}
