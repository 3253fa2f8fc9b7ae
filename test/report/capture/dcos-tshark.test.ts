// A DC/OS overlay frame as dcos_egress emits it, written to a pcap with our writer, is
// dissected by Wireshark's tshark as VXLAN VNI 1024 on UDP 64000 (given the port, as
// `-d udp.port==64000,vxlan`), with the inner Ethernet, IPv4 and ICMP intact.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeCaptureFile } from '../../../report/capture/files.ts';
import { walkDcos } from '../../../model/dcos/dcos-walk.ts';
import { ping, smallCluster } from '../../model/dcos/dcos-fixtures.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'twinplane-dcos-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('tshark -d udp.port==64000,vxlan reads VNI 1024 and the inner IPv4/ICMP of a dcos_egress frame', async () => {
  const cp = smallCluster();
  const w = walkDcos(cp, 'c1', ping(cp.container('c1'), cp.container('c3').ip, 9));
  const onWire = w.hops[0].frameOut!;
  const file = join(dir, 'dcos.pcap');
  await writeCaptureFile(file, { format: 'pcap' }, [{ data: onWire, timestampNs: 1_700_000_000_000_000_000n }]);
  const fields = [
    'udp.dstport',
    'vxlan.vni',
    'vxlan.flag_i',
    'ip.src',
    'ip.dst',
    'ip.checksum.status',
    'icmp.type',
    'icmp.seq',
    'icmp.checksum.status',
  ];
  const out = execFileSync(
    'tshark',
    [
      '-r',
      file,
      '-o',
      'ip.check_checksum:TRUE',
      '-d',
      'udp.port==64000,vxlan',
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
      ...fields.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
  const [dport, vni, iflag, src, dst, ipsum, type, seq, icmpsum] = out.split('|');
  expect({ dport, vni, iflag, src, dst, type, seq }).toEqual({
    dport: '64000',
    vni: '1024',
    iflag: '1',
    src: '10.0.0.1,9.0.0.2',
    dst: '10.0.0.2,9.0.1.2',
    type: '8',
    seq: '9',
  });
  // Both IPv4 headers (the outer one we wrote fresh) and the ICMP checksum verify: status 1 = good.
  expect(ipsum).toBe('1,1');
  expect(icmpsum).toBe('1');
});
