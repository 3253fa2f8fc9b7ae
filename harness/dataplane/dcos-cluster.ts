// A DC/OS cluster on the kernel: one loaded dcos.o per agent of a control plane, its
// control maps kept equal to the model's (sync after every control-plane change), its
// learnt maps the kernel's own. `walk` follows a frame hop by hop exactly as the model's
// walkDcos does, running each hop on the kernel.
import type { DcosControlPlane } from '../../model/dcos/dcos-control.ts';
import { type DcosHop, type DcosOutcome, type DcosRunner, walkDcos } from '../../model/dcos/dcos-walk.ts';
import { type DcosInstance, loadDcosInstances } from './dcos-instance.ts';

export class DcosKernelCluster {
  private readonly byAgent = new Map<string, DcosInstance>();
  private synced = -1;

  constructor(readonly cp: DcosControlPlane) {
    const agents = cp.agents();
    const ifindexes = new Set<number>();
    for (const a of agents) ifindexes.add(a.state.maps.cfg.underlay_ifindex);
    for (const c of cp.containers()) ifindexes.add(c.ifindex);
    const inst = loadDcosInstances(
      agents.map((a) => a.name),
      { ifindexes: [...ifindexes].filter((i) => i > 1).sort((x, y) => x - y) },
    );
    agents.forEach((a, i) => this.byAgent.set(a.name, inst[i]));
    for (const a of agents) this.instance(a.name).load(a.state.maps);
    this.synced = cp.version;
  }

  instance(agent: string): DcosInstance {
    const i = this.byAgent.get(agent);
    if (i === undefined) throw new Error(`no kernel instance for agent ${agent}`);
    return i;
  }

  /** Writes what the control plane changed since the last sync into every agent's kernel maps. */
  sync(): void {
    if (this.synced === this.cp.version) return;
    for (const a of this.cp.agents()) this.instance(a.name).load(a.state.maps, { learnt: false });
    this.synced = this.cp.version;
  }

  readonly runner: DcosRunner = (agent, program, frame, ingress) => {
    const k = this.instance(agent).run(program, frame, ingress);
    const drops = k.action === 'DROP' || k.action === 'ABORTED' || k.action.startsWith('UNKNOWN');
    return {
      action: drops ? 'DROP' : (k.action as DcosHop['action']),
      reason: k.reason,
      target: k.target,
      output: drops ? null : k.output,
    };
  };

  /** walkDcos on the kernel. */
  walk(from: string, frame: Uint8Array): { hops: DcosHop[]; outcome: DcosOutcome } {
    this.sync();
    return walkDcos(this.cp, from, frame, this.runner);
  }

  close(): void {
    for (const i of this.byAgent.values()) i.close();
  }
}
