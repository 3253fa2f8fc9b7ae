// The generated cluster of verify's scale figure: 20 hosts, 10 VPCs that all use 10.0.0.0/16
// (overlapping CIDRs), two subnets each (one bouncer, and two), a divider per VPC, 100 pods
// per VPC spread over 8 consecutive hosts (1,000 in all; a host holds 4 VPCs, within the
// LEARNT_SLOTS = 8 it can learn for, docs/dataplane.md section 3), and a service per VPC
// (TCP 80 → 8080 and UDP 53, two backends, one in each subnet). As scenario text, so the
// loader checks it.
export function verifyClusterYaml(hosts = 20, vpcs = 10, podsPerVpc = 100): string {
  const lines: string[] = ['name: verify-cluster', 'description: generated for bench/verify.bench.ts', 'hosts:'];
  for (let h = 1; h <= hosts; h++) lines.push(`  - { name: h${h}, ip: 192.168.100.${h} }`);
  lines.push('vpcs:');
  const host = (i: number): string => `h${(i % hosts) + 1}`;
  for (let v = 1; v <= vpcs; v++) {
    lines.push(
      `  - name: vpc${v}`,
      `    vni: ${100 + v}`,
      '    cidr: 10.0.0.0/16',
      `    dividers: [${host(v * 2 + 2)}]`,
      '    networks:',
      `      - { name: a, cidr: 10.0.1.0/24, bouncers: [${host(v * 2)}] }`,
      `      - { name: b, cidr: 10.0.2.0/24, bouncers: [${host(v * 2 + 1)}, ${host(v * 2 + 2)}] }`,
    );
  }
  lines.push('endpoints:');
  const half = podsPerVpc / 2;
  for (let v = 1; v <= vpcs; v++)
    for (let i = 0; i < podsPerVpc; i++)
      lines.push(
        `  - { name: p${v}-${i}, vpc: vpc${v}, network: ${i < half ? 'a' : 'b'}, ip: 10.0.${i < half ? 1 : 2}.${10 + (i % half)}, host: ${host(v * 2 + (i % 8))} }`,
      );
  lines.push('services:');
  for (let v = 1; v <= vpcs; v++)
    lines.push(
      `  - { name: s${v}, vpc: vpc${v}, vip: 10.0.255.10, ports: [{ port: 80, protocol: tcp, targetPort: 8080 }, { port: 53, protocol: udp }], backends: [p${v}-1, p${v}-${half + 1}] }`,
    );
  return lines.join('\n') + '\n';
}
