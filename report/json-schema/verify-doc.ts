// The result of `twinplane verify` as JSON (--json, and what --merge joins; schema:
// verify.schema.json beside this file): per scenario the checkpoints (one per scenario step
// that changed state), per property the classes, frames and hops it judged, the violations
// (the first ones in full: frame, both sides' paths, the command that reproduces it), the
// known findings, and the class table of the HTML report.

/** The properties verify judges, in report order (harness/verify/properties.ts says what each means). */
export const PROPERTIES = [
  'delivery',
  'vni-emitted',
  'arp-reply',
  'learnt-vni',
  'learnt-location',
  'service-rewrite',
  'underlay-trust',
  'mtu',
  'reachability',
  'never-reach',
  'never-cross',
  'state-isolation',
  'from-scratch',
  'uniformity',
  'model-kernel',
] as const;
export type PropertyId = (typeof PROPERTIES)[number];

export const VERIFY_DOC_VERSION = 1;

export interface PropertyCount {
  classes: number;
  frames: number;
  hops: number;
  violations: number;
  /** Violations matched by the known-findings list (not failures). */
  known: number;
}

export interface HopLineDoc {
  host: string;
  program: string;
  /** `ACTION REASON` of the model, or '-' when it did not run. */
  model: string;
  kernel: string;
  /** The hop's input and output frames, hex. */
  frameIn: string;
  frameOut?: string;
}

export interface ViolationDoc {
  property: PropertyId;
  classId: string;
  message: string;
  /** Checkpoint index and what it followed. */
  checkpoint: number;
  step: string;
  /** The frame (hex) and where it entered: a pod's name or `<host> underlay`. */
  frame?: string;
  start?: string;
  path?: HopLineDoc[];
  /** A class split (uniformity): the member that took another path, and the two signatures. */
  split?: { frame: string; signature: string; representative: string; path: HopLineDoc[] };
  known?: { id: string; issue: string };
  reproduce: string;
}

export interface ClassRowDoc {
  source: 'pod' | 'host' | 'rogue';
  group: string;
  classes: number;
  frames: number;
  delivered: number;
  dropped: number;
  passed: number;
  other: number;
  violations: number;
  known: number;
  /** The first class of the row, for a look at it with --class. */
  example: string;
}

export interface CheckpointDoc {
  index: number;
  step: string;
  line?: number;
  classes: number;
  frames: number;
  hops: number;
}

export interface ScenarioVerifyDoc {
  file: string;
  name: string;
  ok: boolean;
  classes: number;
  frames: number;
  hops: number;
  seconds: number;
  checkpoints: CheckpointDoc[];
  properties: Record<PropertyId, PropertyCount>;
  violationCount: number;
  knownCount: number;
  /** The first violations of each property in full; knownCount/violationCount count all. */
  violations: ViolationDoc[];
  known: ViolationDoc[];
  classTable: ClassRowDoc[];
  notes: string[];
}

export interface VerifyDoc {
  version: number;
  target: string;
  seed: number;
  samples: number;
  shard?: { index: number; count: number };
  /** Shards joined by --merge. */
  merged?: number;
  ok: boolean;
  scenarios: ScenarioVerifyDoc[];
}
