// Model program runs per second on one core, for the paths the data plane takes most: a
// bouncer forwarding (transit), the ARP answer (transit), the service bounce (transit), the
// agent's encapsulation to a learnt host, and the agent's established-service fast path.
// Each path is measured with and without lookup tracing (traces cost string building).
// The host state is reset every batch where a path learns, so every run does the same work.
import { emit, note, rate } from './emit.ts';
import { agent, transit } from '../model/dataplane/dataplane.ts';
import { epKey, hostLoc } from '../model/dataplane/state.ts';
import { Cluster } from '../model/cluster/cluster.ts';
import { icmpEcho, resolve, tcpFrame } from '../model/cluster/frames.ts';
import { ControlPlane } from '../model/control/plane.ts';
import { ether } from '../model/wire/builder.ts';
import { ipv4 } from '../model/wire/addr.ts';
import type { RunResult } from '../model/dataplane/verdict.ts';

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
function bench(metric: string, run: () => RunResult, expect: string): void {
  const first = run();
  if (`${first.action}/${first.reason}` !== expect) throw new Error(`${metric}: expected ${expect}, got ${first.action}/${first.reason}`);
  const r = rate(() => {
    for (let i = 0; i < BATCH; i++) sink += run().reason;
    return BATCH;
  }, 1500);
  emit({ bench: 'model', metric, value: Math.round(r.opsPerSec), unit: 'runs/s', params: { batch: BATCH } });
  note(`${metric}: ${(r.opsPerSec / 1e6).toFixed(2)} M runs/s`);
}

const U = 2; // underlay ifindex
for (const lookups of [false, true]) {
  const sfx = lookups ? '_traced' : '';
  const o = { lookups };
  bench(`transit_forward${sfx}`, () => transit(h3, forwardFrame, U, o), 'TX/7');
  bench(`transit_arp_reply${sfx}`, () => transit(h3, arpFrame, U, o), 'TX/6');
  bench(`transit_service_bounce${sfx}`, () => transit(h3, svcFrame, U, o), 'TX/8');
  bench(`agent_encap_to_host${sfx}`, () => agent(h1, icmpA, a.ifindex, o), 'REDIRECT/2');
  bench(`agent_service_flow${sfx}`, () => agent(h1, svcA, a.ifindex, o), 'REDIRECT/4');
}
note(`(sink ${sink & 1})`);
