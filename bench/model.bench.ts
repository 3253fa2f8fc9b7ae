// Model program runs per second on one core, for the paths the data plane takes most: a
// bouncer forwarding (transit), the ARP answer (transit), the service bounce (transit), the
// agent's encapsulation to a learnt host, and the agent's established-service fast path.
// Each path is measured with and without lookup tracing (traces cost string building).
// The host state is reset every batch where a path learns, so every run does the same work.
// The untraced paths are measured twice: under the V8 flags every twinplane process runs
// with (cli/v8-flags.ts; npm run bench passes them) and under V8's defaults.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { emit, note, rate, type Figure } from './emit.ts';
import { V8_FLAGS } from '../cli/v8-flags.ts';
import { agent, transit } from '../model/dataplane/dataplane.ts';
import { epKey, hostLoc } from '../model/dataplane/state.ts';
import { Cluster } from '../model/cluster/cluster.ts';
import { icmpEcho, resolve, tcpFrame } from '../model/cluster/frames.ts';
import { ControlPlane } from '../model/control/plane.ts';
import { ether } from '../model/wire/builder.ts';
import { ipv4 } from '../model/wire/addr.ts';
import type { RunResult } from '../model/dataplane/verdict.ts';
import type { Action } from '../model/dataplane/tables.ts';
import { DcosControlPlane, type DcosContainer } from '../model/dcos/dcos-control.ts';
import { runDcosEgress } from '../model/dcos/dcos-egress.ts';
import { runDcosIngress } from '../model/dcos/dcos-ingress.ts';
import type { DcosRunResult } from '../model/dcos/dcos-verdict.ts';
import { walkDcos } from '../model/dcos/dcos-walk.ts';

const cp = new ControlPlane();
for (let i = 1; i <= 4; i++) cp.createHost({ name: `h${i}`, ip: `10.0.0.${i}`, mac: `02:00:00:00:00:0${i}` });
cp.createVpc({ name: 'v', vni: 100, cidr: '192.168.0.0/16', dividers: ['h4'] });
cp.createNetwork({ name: 'n', vpc: 'v', cidr: '192.168.1.0/24', bouncers: ['h3'] });
cp.createEndpoint({ name: 'a', network: 'n', ip: '192.168.1.10', host: 'h1' });
cp.createEndpoint({ name: 'b', network: 'n', ip: '192.168.1.11', host: 'h2' });
cp.createService({ name: 's', vpc: 'v', vip: '192.168.1.100', ports: [{ port: 80, protocol: 'tcp', targetPort: 8080 }], backends: ['b'] });
const cl = new Cluster(cp);
const a = cp.endpoint('a');
const h1 = cp.host('h1').state;
const h3 = cp.host('h3').state;
const vip = ipv4('192.168.1.100');

/** The frame arriving at the bouncer (hop 2) of a path from pod a. */
function atBouncer(frame: Uint8Array): Uint8Array {
  const e = cp.endpoint('a');
  const r = agent(e.host.state, frame, e.ifindex);
  return r.output!;
}
const bMac = cp.endpoint('b').mac;
const forwardFrame = atBouncer(icmpEcho(cl, 'a', cp.endpoint('b').ip, { dstMac: bMac }));
const arpFrame = atBouncer(
  ether({ src: a.mac, dst: 'ff:ff:ff:ff:ff:ff' })
    .arp({ op: 'request', sha: a.mac, spa: a.ip, tpa: cp.endpoint('b').ip })
    .build(),
);
const svcFrame = atBouncer(tcpFrame(cl, 'a', vip, { sport: 40000, dport: 80, dstMac: new Uint8Array([2, 0x76, 0x69, 0, 0, 0]) }));
const icmpA = icmpEcho(cl, 'a', cp.endpoint('b').ip, { dstMac: bMac });
resolve(cl, 'a', vip);
const svcA = tcpFrame(cl, 'a', vip, { sport: 40001, dport: 80 });
cl.send('a', svcA); // installs the flow on h1
h1.map('ep_cache').set(epKey(100, cp.endpoint('b').ip), hostLoc(cp.host('h2').ip, cp.host('h2').mac));

const BATCH = 256;
let sink = 0;
// Every figure this process measured, by metric: the tuned half of the V8 flags ratio.
const measuredHere = new Map<string, number>();
function bench(metric: string, run: () => RunResult, expect: string): void {
  const first = run();
  if (`${first.action}/${first.reason}` !== expect) throw new Error(`${metric}: expected ${expect}, got ${first.action}/${first.reason}`);
  const r = rate(() => {
    for (let i = 0; i < BATCH; i++) sink += run().reason;
    return BATCH;
  }, 1500);
  emit({ bench: 'model', metric, value: Math.round(r.opsPerSec), unit: 'runs/s', params: { batch: BATCH } });
  note(`${metric}: ${(r.opsPerSec / 1e6).toFixed(2)} M runs/s`);
  measuredHere.set(metric, r.opsPerSec);
}

const U = 2; // underlay ifindex
function mizarPaths(lookups: boolean, sfx: string): void {
  const o = { lookups };
  bench(`transit_forward${sfx}`, () => transit(h3, forwardFrame, U, o), 'TX/7');
  bench(`transit_arp_reply${sfx}`, () => transit(h3, arpFrame, U, o), 'TX/6');
  bench(`transit_service_bounce${sfx}`, () => transit(h3, svcFrame, U, o), 'TX/8');
  bench(`agent_encap_to_host${sfx}`, () => agent(h1, icmpA, a.ifindex, o), 'REDIRECT/2');
  bench(`agent_service_flow${sfx}`, () => agent(h1, svcA, a.ifindex, o), 'REDIRECT/4');
}

// The same untraced paths under V8's default flags, in a child process (V8's flags are the
// process's, set at its start): what the code alone runs at, beside what the product's flags
// add (cli/v8-flags.ts). Run right after the tuned figures, seconds apart; still one pair per
// path on a machine whose speed drifts by 10-20% in minutes, so read the ratio as a rough
// figure (cli/v8-flags.ts gives the median of 8 alternating rounds).
const DEFAULT_V8_CHILD = process.env.TWINPLANE_BENCH_DEFAULT_V8 === '1';
const tuned = V8_FLAGS.every((f) => process.execArgv.includes(f));
function defaultV8Paths(): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    encoding: 'utf8',
    env: { ...process.env, TWINPLANE_BENCH_DEFAULT_V8: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`model bench under V8's defaults failed (${r.status ?? r.signal})`);
  const byMetric = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const f = JSON.parse(line) as Figure;
    byMetric.set(f.metric, f.value);
    emit(f);
  }
  for (const [metric, value] of measuredHere) {
    const base = byMetric.get(`${metric}_default_v8`);
    if (base === undefined) continue;
    emit({ bench: 'model', metric: `${metric}_v8_flags_ratio`, value: Number((value / base).toFixed(3)), unit: 'ratio' });
    note(`${metric}: the V8 flags ${(value / base).toFixed(2)}x`);
  }
}

if (DEFAULT_V8_CHILD) {
  mizarPaths(false, '_default_v8');
} else {
  if (!tuned) note(`model: not under the product's V8 flags (${V8_FLAGS.join(' ')}): run it through npm run bench`);
  mizarPaths(false, '');
  if (tuned) defaultV8Paths();
  mizarPaths(true, '_traced');
}

// The DC/OS profile's programs, side by side with the ones above (docs/dcos.md): a container's
// frame to another agent (VXLAN encapsulation) and to its own agent, an established VIP flow
// (DNAT, then encapsulation), the receiving agent's decapsulation, and a backend's reply
// un-NATed on the client's agent. Untraced: the DC/OS model records points, never lookups.
const dcp = new DcosControlPlane();
for (let i = 1; i <= 3; i++) dcp.addAgent({ name: `a${i}`, ip: `10.1.0.${i}` });
const [c1, c2, c3] = ['a1', 'a1', 'a2'].map((agent, i) => dcp.addContainer({ name: `c${i + 1}`, agent }));
dcp.addVip({ name: 'web', vip: 'web:80', protocol: 'tcp', backends: [{ container: 'c3', port: 8080 }] });
const gw = (c: DcosContainer): Uint8Array => c.agent.state.maps.cfg.bridge_mac;
const dm1 = c1.agent.state.maps;
const dm2 = c3.agent.state.maps;
const toC3 = ether({ src: c1.mac, dst: gw(c1) })
  .ipv4({ src: c1.ip, dst: c3.ip })
  .icmpEcho({ id: 7, seq: 1 })
  .payload('ping')
  .build();
const toC2 = ether({ src: c1.mac, dst: gw(c1) })
  .ipv4({ src: c1.ip, dst: c2.ip })
  .icmpEcho({ id: 7, seq: 1 })
  .payload('ping')
  .build();
const web = dcp.vip('web').address;
const syn = ether({ src: c1.mac, dst: gw(c1) })
  .ipv4({ src: c1.ip, dst: web })
  .tcp({ sport: 40000, dport: 80, flags: 'S', seq: 1 })
  .payload('x')
  .build();
const ack = ether({ src: c1.mac, dst: gw(c1) })
  .ipv4({ src: c1.ip, dst: web })
  .tcp({ sport: 40000, dport: 80, flags: 'A', seq: 2 })
  .payload('x')
  .build();
walkDcos(dcp, 'c1', syn); // the flow, its NAT entry and the backend's connection count
const encapped = runDcosEgress(dm1, toC3, c1.ifindex).output!.slice();
const synack = ether({ src: c3.mac, dst: gw(c3) })
  .ipv4({ src: c3.ip, dst: c1.ip })
  .tcp({ sport: 8080, dport: 40000, flags: 'SA', seq: 9 })
  .payload('y')
  .build();
const reply = runDcosEgress(dm2, synack, c3.ifindex).output!.slice();
const U1 = dm1.cfg.underlay_ifindex;
const U2 = dm2.cfg.underlay_ifindex;
function dcosBench(metric: string, run: () => DcosRunResult, expect: Action): void {
  if (DEFAULT_V8_CHILD) return; // that process measures the Mizar paths above only
  const first = run();
  if (first.action !== expect) throw new Error(`${metric}: expected ${expect}, got ${first.action}/${first.reason}`);
  const r = rate(() => {
    for (let i = 0; i < BATCH; i++) sink += run().reason;
    return BATCH;
  }, 1500);
  emit({ bench: 'model', metric, value: Math.round(r.opsPerSec), unit: 'runs/s', params: { batch: BATCH, profile: 'dcos' } });
  note(`${metric}: ${(r.opsPerSec / 1e6).toFixed(2)} M runs/s`);
}
dcosBench('dcos_egress_encap', () => runDcosEgress(dm1, toC3, c1.ifindex), 'REDIRECT');
dcosBench('dcos_egress_local', () => runDcosEgress(dm1, toC2, c1.ifindex), 'REDIRECT');
dcosBench('dcos_egress_vip_flow', () => runDcosEgress(dm1, ack, c1.ifindex), 'REDIRECT');
dcosBench('dcos_ingress_deliver', () => runDcosIngress(dm2, encapped, U2), 'REDIRECT');
dcosBench('dcos_ingress_unnat', () => runDcosIngress(dm1, reply, U1), 'REDIRECT');
note(`(sink ${sink & 1})`);
