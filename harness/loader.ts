// Loads one object file N times, once per simulated host. Every libbpf open creates its
// own maps at load (nothing is pinned), so instances share no state: a write to host A's
// map is invisible to host B. Tail calls are wired per instance, into that instance's own
// prog array.
import { BpfObject, type BpfProgram, type OpenOptions } from './libbpf/object.ts';
import type { BpfMap } from './libbpf/map.ts';

export class ProgramInstance {
  /** Which host (or other label) this instance plays. */
  readonly label: string;
  readonly object: BpfObject;

  constructor(label: string, object: BpfObject) {
    this.label = label;
    this.object = object;
  }

  program(name: string): BpfProgram {
    return this.object.program(name);
  }

  map(name: string): BpfMap {
    return this.object.map(name);
  }

  /** Points slot `index` of prog array `progArray` at program `target` of this instance. */
  wireTailCall(progArray: string, index: number, target: string): void {
    this.object.map(progArray).setProgram(index, this.object.program(target).fd);
  }

  /** Wires several slots at once: `{ 0: 'transit_arp', 1: 'transit_ip' }`. */
  wireTailCalls(progArray: string, slots: Readonly<Record<number, string>>): void {
    for (const [index, target] of Object.entries(slots)) this.wireTailCall(progArray, Number(index), target);
  }

  close(): void {
    this.object.close();
  }
}

/** Opens and loads one instance of `path`. */
export function loadInstance(path: string, label: string, opts: Omit<OpenOptions, 'label'> = {}): ProgramInstance {
  return new ProgramInstance(label, BpfObject.load(path, { ...opts, label }));
}

/**
 * Loads `labels.length` independent instances of `path` (one per label). If any load
 * fails, the ones already loaded are closed before the error propagates.
 */
export function loadInstances(path: string, labels: readonly string[], opts: Omit<OpenOptions, 'label'> = {}): ProgramInstance[] {
  const out: ProgramInstance[] = [];
  try {
    for (const label of labels) out.push(loadInstance(path, label, opts));
  } catch (e) {
    for (const i of out) i.close();
    throw e;
  }
  return out;
}
