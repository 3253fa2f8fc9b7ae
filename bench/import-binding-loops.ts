// The loops of the import-binding benchmark: one imported function called in a hot loop
// through its import (as the model's programs call their helpers) and through a local
// binding made once (`const { rd16 } = ns`), and the model's hottest path both ways round.
import * as lib from './import-binding-lib.ts';
import { rd16 } from './import-binding-lib.ts';
import { rate } from './emit.ts';
import { transit } from '../model/dataplane/dataplane.ts';
import { ControlPlane } from '../model/control/plane.ts';
import { agent } from '../model/dataplane/dataplane.ts';
import { icmpEcho } from '../model/cluster/frames.ts';
import { Cluster } from '../model/cluster/cluster.ts';

const local = lib.rd16;
const buf = new Uint8Array(4096).map((_, i) => i);

export interface Figure {
  metric: string;
  value: number;
}

export function measure(): Figure[] {
  let sink = 0;
  // Each loop three times, alternating, best of each: the first loop of a process runs while
  // the JIT is still warming, which alone made it look twice slower.
  let viaImport = { opsPerSec: 0 };
  let viaLocal = { opsPerSec: 0 };
  for (let round = 0; round < 3; round++) {
    const a = rate(() => {
      for (let i = 0; i < 4000; i++) sink += rd16(buf, i);
      return 4000;
    }, 400);
    const b = rate(() => {
      for (let i = 0; i < 4000; i++) sink += local(buf, i);
      return 4000;
    }, 400);
    if (a.opsPerSec > viaImport.opsPerSec) viaImport = a;
    if (b.opsPerSec > viaLocal.opsPerSec) viaLocal = b;
  }
  // The model: a bouncer forwarding (transit) and an agent encapsulating, untraced.
  const cp = new ControlPlane();
  for (let i = 1; i <= 3; i++) cp.createHost({ name: `h${i}`, ip: `10.0.0.${i}` });
  cp.createVpc({ name: 'v', vni: 100, cidr: '192.168.0.0/16' });
  cp.createNetwork({ name: 'n', vpc: 'v', cidr: '192.168.1.0/24', bouncers: ['h3'] });
  cp.createEndpoint({ name: 'a', network: 'n', ip: '192.168.1.10', host: 'h1' });
  cp.createEndpoint({ name: 'b', network: 'n', ip: '192.168.1.11', host: 'h2' });
  const a = cp.endpoint('a');
  const frame = icmpEcho(new Cluster(cp), 'a', cp.endpoint('b').ip, { dstMac: cp.endpoint('b').mac });
  const encap = agent(a.host.state, frame, a.ifindex).output!;
  const h3 = cp.host('h3').state;
  const o = { lookups: false };
  const model = rate(() => {
    for (let i = 0; i < 256; i++) sink += agent(a.host.state, frame, a.ifindex, o).reason + transit(h3, encap, 2, o).reason;
    return 512;
  }, 1500);
  return [
    { metric: 'call_via_import_per_sec', value: Math.round(viaImport.opsPerSec + (sink & 0)) },
    { metric: 'call_via_local_per_sec', value: Math.round(viaLocal.opsPerSec) },
    { metric: 'model_runs_per_sec', value: Math.round(model.opsPerSec) },
  ];
}
