// A live DC/OS overlay pair in network namespaces, for interop with the kernel's own VXLAN:
//
//   <p>c (container)  c0 ── c0h  <p>a (our agent: dcos_egress on c0h, dcos_ingress on u0)  u0 ── u1  <p>b (kernel agent)
//
// Agent a is ours: dcos.o attached natively, its maps written from a DcosControlPlane.
// Agent b is Linux configured as dcos-net configures an agent: `vtep1024` (VXLAN id 1024,
// port 64000) with its VTEP address, a permanent neighbour and an FDB entry for a's VTEP,
// and a route to a's /24 via it; 9.0.1.1 (b's gateway address) sits on vtep1024 as the
// address a container talks to. Every name carries a fresh run prefix; close() removes
// everything (cleanupRun), also when setup failed half-way.
import { DcosControlPlane } from '../../model/dcos/dcos-control.ts';
import { ipv4ToString, macToString } from '../../model/wire/addr.ts';
import { numPossibleCpus } from '../libbpf/map.ts';
import { loadInstance } from '../loader.ts';
import { ipBatch, getLink, nsExec, runSync, type ExecResult } from '../ip.ts';
import { DCOS_OBJ, DcosInstance } from '../dataplane/dcos-instance.ts';
import { attachXdp, detachAll, loadPassProgram, type LiveAttachment } from './attach.ts';
import { cleanupRun } from './cleanup.ts';
import { newRunPrefix, removeMarker, writeMarker } from './prefix.ts';
import type { BpfObject } from '../libbpf/object.ts';

export class DcosVxlanPair {
  readonly prefix = newRunPrefix();
  readonly nsA = `${this.prefix}a`;
  readonly nsB = `${this.prefix}b`;
  readonly nsC = `${this.prefix}c`;
  readonly cp = new DcosControlPlane();
  inst: DcosInstance | undefined;
  private pass: BpfObject | undefined;
  private attachments: LiveAttachment[] = [];

  /** Builds the namespaces, attaches the programs and writes agent a's maps. */
  open(): void {
    writeMarker(this.prefix);
    const p = this.prefix;
    const [u0, u1, c0, c0h] = [`${p}u0`, `${p}u1`, `${p}c0`, `${p}c0h`];
    for (const ns of [this.nsA, this.nsB, this.nsC]) runSync(['ip', 'netns', 'add', ns]);
    runSync(['ip', 'link', 'add', u0, 'netns', this.nsA, 'type', 'veth', 'peer', 'name', u1, 'netns', this.nsB]);
    runSync(['ip', 'link', 'add', c0h, 'netns', this.nsA, 'type', 'veth', 'peer', 'name', c0, 'netns', this.nsC]);

    // The numbers the programs see are namespace a's ifindexes.
    const a2 = this.cp.addAgent({ name: 'a', ip: '10.0.0.1', mac: '52:54:00:00:00:01', underlayIfindex: getLink(u0, this.nsA).ifindex });
    const b2 = this.cp.addAgent({ name: 'b', ip: '10.0.0.2', mac: '52:54:00:00:00:02' });
    const c = this.cp.addContainer({ name: 'c', agent: 'a', ifindex: getLink(c0h, this.nsA).ifindex });
    ipBatch(
      [
        'link set lo up',
        `link set ${u0} address ${macToString(a2.mac)} up`,
        `addr add ${ipv4ToString(a2.ip)}/24 dev ${u0}`,
        // The bridge's side: the gateway address and the bridge MAC, so ARP and the host's own traffic work.
        `link set ${c0h} address ${macToString(a2.state.maps.cfg.bridge_mac)} up`,
        `addr add ${ipv4ToString(a2.gateway)}/24 dev ${c0h}`,
      ],
      this.nsA,
    );
    ipBatch(
      [
        'link set lo up',
        `link set ${c0} address ${macToString(c.mac)} up`,
        `addr add ${ipv4ToString(c.ip)}/24 dev ${c0}`,
        `route add default via ${ipv4ToString(a2.gateway)}`,
      ],
      this.nsC,
    );
    ipBatch(
      [
        'link set lo up',
        `link set ${u1} address ${macToString(b2.mac)} up`,
        `addr add ${ipv4ToString(b2.ip)}/24 dev ${u1}`,
        `link add vtep1024 type vxlan id 1024 dstport 64000 local ${ipv4ToString(b2.ip)} dev ${u1}`,
        `link set vtep1024 address ${macToString(b2.vtepMac)} up`,
        `addr add ${ipv4ToString(b2.vtepIp)}/20 dev vtep1024`,
        `addr add ${ipv4ToString(b2.gateway)}/24 dev vtep1024`,
        `neigh add ${ipv4ToString(a2.vtepIp)} lladdr ${macToString(a2.vtepMac)} dev vtep1024 nud permanent`,
        `route add ${ipv4ToString(a2.subnet.network)}/24 via ${ipv4ToString(a2.vtepIp)} dev vtep1024`,
      ],
      this.nsB,
    );
    runSync(['bridge', '-n', this.nsB, 'fdb', 'append', macToString(a2.vtepMac), 'dev', 'vtep1024', 'dst', ipv4ToString(a2.ip)]);

    const prog = loadInstance(DCOS_OBJ, 'live-a', { maxEntries: { dcos_verdict: numPossibleCpus() } });
    this.inst = new DcosInstance(prog, 0);
    this.inst.load(a2.state.maps);
    const pass = loadPassProgram();
    this.pass = pass.object;
    const link = (ns: string, name: string): { ns: string; name: string; ifindex: number; mac: string } => {
      const l = getLink(name, ns);
      return { ns, name, ifindex: l.ifindex, mac: l.mac };
    };
    this.attachments.push(attachXdp(link(this.nsA, c0h), prog.program('dcos_egress')));
    this.attachments.push(attachXdp(link(this.nsA, u0), prog.program('dcos_ingress')));
    // Redirected frames are received by a veth's far end only when it runs XDP itself.
    this.attachments.push(attachXdp(link(this.nsC, c0), pass.program));
    this.attachments.push(attachXdp(link(this.nsB, u1), pass.program));
  }

  /** `ping -c 1` from namespace `ns` to `dst`, at most `tries` times (each bounded by -W 2). */
  async ping(ns: string, dst: string, tries = 3): Promise<ExecResult> {
    let r: ExecResult | undefined;
    for (let i = 0; i < tries; i++) {
      r = await nsExec(ns, ['ping', '-n', '-c', '1', '-W', '2', dst], { timeoutMs: 5000 });
      if (r.code === 0) return r;
    }
    return r!;
  }

  /** Packets received by vtep1024 in namespace b (what Linux decapsulated). */
  vtepRxPackets(): number {
    const j = JSON.parse(runSync(['ip', '-n', this.nsB, '-j', '-s', 'link', 'show', 'vtep1024'])) as Array<{
      stats64: { rx: { packets: number } };
    }>;
    return j[0].stats64.rx.packets;
  }

  close(): void {
    const errors: unknown[] = [];
    try {
      detachAll(this.attachments);
    } catch (e) {
      errors.push(e);
    }
    this.attachments = [];
    this.inst?.close();
    this.pass?.close();
    const left = cleanupRun(this.prefix);
    removeMarker(this.prefix);
    if (left.namespaces.length + left.links.length > 0) errors.push(new Error(`left behind: ${JSON.stringify(left)}`));
    if (errors.length > 0) throw new AggregateError(errors, 'DcosVxlanPair.close');
  }
}
