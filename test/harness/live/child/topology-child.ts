// Child process for the cleanup tests: opens a run, builds a topology endpoint by endpoint
// (yielding to the event loop in between, so signals arrive mid-build), opens a capture on
// a bridge port, and waits. Prints one JSON line per step on stdout. Bounded: it closes its
// run and exits by itself after 60 s should nobody stop it.
import { setTimeout as delay } from 'node:timers/promises';
import { closeRun, openRun } from '../../../../harness/live/lifecycle.ts';
import { Tap } from '../../../../harness/live/tap.ts';
import { Topology } from '../../../../harness/live/netns-topology.ts';

const ENDPOINTS = Number(process.argv[2] ?? 12);
const say = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');

const prefix = openRun();
say({ prefix });
const topo = Topology.build(
  {
    hosts: [
      { name: 'h', ip: '192.168.251.1', mac: '02:00:c0:a8:fb:01' },
      { name: 'g', ip: '192.168.251.2', mac: '02:00:c0:a8:fb:02' },
    ],
    endpoints: [],
  },
  { prefix },
);
// A capture socket holds a reference to its namespace: cleanup must work all the same.
const tap = Tap.open(topo.host('h').bridgePort);
say({ tapOpen: true });
for (let i = 0; i < ENDPOINTS; i++) {
  topo.addEndpoint({
    name: `ep${i}`,
    host: 'h',
    ip: `10.30.0.${10 + i}`,
    mac: `02:00:0a:1e:00:${(10 + i).toString(16).padStart(2, '0')}`,
    prefixLen: 24,
    gateway: '10.30.0.1',
  });
  say({ endpoint: i });
  await delay(0);
}
say({ built: true });
await delay(60_000);
tap.close();
closeRun(prefix);
