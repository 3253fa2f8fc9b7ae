// How many entries each slot of an instance's learnt maps holds, counted by the kernel in one
// test run of bpf/census.bpf.c (a harness program that reuses the instance's three outer
// maps): the differential suites' end of a batch asks it first. At a baseline with no learnt
// entry, counts of 0 everywhere prove the kernel holds none, without reading every slot's map
// whole (a syscall each); any count above 0 sends the caller to the whole read, which says
// what is there. A kernel without bpf_map_sum_elem_count (before 6.6) refuses the object:
// `loadCensus` then answers null and callers read whole, as before it existed.
import { fileURLToPath } from 'node:url';
import { BpfObject } from '../libbpf/object.ts';
import { BpfError } from '../libbpf/bpf-error.ts';
import { defaultExecutor } from '../testrun.ts';
import { CONSTS } from '../../model/dataplane/consts.ts';
import { LEARNT_MAP_NAMES, type LearntMapName } from '../../model/dataplane/state.ts';
import { XDP_ACTION } from '../../model/dataplane/tables.ts';

export const CENSUS_OBJ = fileURLToPath(new URL('../../build/bpf/census.o', import.meta.url));

/**
 * Where the counts start in the frame (bpf/census.bpf.c CENSUS_OFF) and the frame's length;
 * the maps in LEARNT_MAP_NAMES order, as the C writes them (census.test.ts fails on either
 * disagreeing: its counts are checked against the whole read, map by map and slot by slot).
 */
const AT = 16;
const FRAME = new Uint8Array(AT + LEARNT_MAP_NAMES.length * CONSTS.LEARNT_SLOTS * 4);

/** A slot with no map (the census's UINT32_MAX). */
export const NO_SLOT = 0xffffffff;

export class LearntCensus {
  private readonly fd: number;
  private readonly exec = defaultExecutor();

  constructor(private readonly object: BpfObject) {
    this.fd = object.program('xdp_census').fd;
  }

  /**
   * Per learnt map (LEARNT_MAP_NAMES order), each slot's entry count, NO_SLOT where the slot
   * has no map.
   */
  counts(): Record<LearntMapName, number[]> {
    const v = this.run();
    const dv = new DataView(v.buffer, v.byteOffset, FRAME.length);
    const out = {} as Record<LearntMapName, number[]>;
    LEARNT_MAP_NAMES.forEach((name, m) => {
      out[name] = Array.from({ length: CONSTS.LEARNT_SLOTS }, (_, s) => dv.getUint32(AT + 4 * (m * CONSTS.LEARNT_SLOTS + s), true));
    });
    return out;
  }

  /** Whether no slot of any learnt map holds an entry (a slot without a map holds none). */
  empty(): boolean {
    const v = this.run();
    for (let i = AT; i < FRAME.length; i += 4) {
      const n = (v[i] | (v[i + 1] << 8) | (v[i + 2] << 16) | (v[i + 3] << 24)) >>> 0;
      if (n !== 0 && n !== NO_SLOT) return false;
    }
    return true;
  }

  /** One run: the frame as the census left it (the executor's buffer, valid until its next run). */
  private run(): Uint8Array {
    const r = this.exec.runInPlace(this.fd, FRAME);
    if (r.retval !== XDP_ACTION.PASS || r.outLen !== FRAME.length) {
      throw new Error(`xdp_census returned ${r.retval} with ${r.outLen} bytes (expected XDP_PASS and ${FRAME.length})`);
    }
    return r.view;
  }

  close(): void {
    this.object.close();
  }
}

/**
 * The census of one instance's learnt maps (`outer`: its three ARRAY_OF_MAPS' fds), or null
 * where the kernel cannot load it (no bpf_map_sum_elem_count). DataplaneInstance.census()
 * keeps one per instance.
 */
export function loadCensus(label: string, outer: Readonly<Record<LearntMapName, number>>, object = CENSUS_OBJ): LearntCensus | null {
  try {
    return new LearntCensus(BpfObject.load(object, { label: `${label}-census`, reuseMaps: outer }));
  } catch (e) {
    // The kernel refused the object (one older than 6.6): callers read whole. A missing build throws.
    if (e instanceof BpfError && e.call === 'bpf_object__load') {
      censusRefused(e);
      return null;
    }
    throw e;
  }
}

let refusal: string | undefined;

/** Why this process has no census (the kernel refused it), or undefined while it has one. */
export function censusUnavailable(): string | undefined {
  return refusal;
}

/**
 * Said once per process, on stderr: the answers stay the same without the census, but every
 * end of a batch then reads each slot's map whole, and whoever wonders why the suites are
 * slower on this kernel should not have to guess.
 */
function censusRefused(e: BpfError): void {
  if (refusal !== undefined) return;
  refusal = e.message.split('\n')[0];
  process.stderr.write(
    `twinplane: this kernel refused the learnt-map census (bpf/census.bpf.c needs bpf_map_sum_elem_count, Linux 6.6 or later): ` +
      `the ends of batches read the learnt maps whole instead (the same answers, more syscalls). The kernel said: ${refusal}\n`,
  );
}
