// The document `twinplane compare --json` prints and the report's compare.json holds: one
// scenario's hosts, pods, services and flows on several data planes, side by side. Its JSON
// Schema is compare.schema.json beside this file; a test validates real documents against it.
import type { Encapsulation, FlowFigures, ProfileName, ProgramInfo, ScalePoint } from '../../harness/profile/profile.ts';

export const COMPARE_DOC_VERSION = 1;

/** count, mean, max and total of one figure over a scenario's hosts, pods or services. */
export interface Stat {
  readonly count: number;
  readonly mean: number;
  readonly max: number;
  readonly total: number;
}

export interface IsolationDoc {
  /** Ordered pairs of pods of different tenants (VPCs) in the scenario. */
  readonly pairs: number;
  /** Pairs probed (every pair up to the cap, said in `note`). */
  readonly probed: number;
  /** Probes that reached a pod of another tenant. */
  readonly crossed: number;
  readonly isolated: boolean;
  /** "a → b" for the first few crossings. */
  readonly examples: readonly string[];
  readonly note: string;
}

export interface ProfileDoc {
  readonly name: ProfileName;
  readonly title: string;
  readonly spec: string;
  readonly programs: readonly ProgramInfo[];
  readonly encapsulation: Encapsulation;
  readonly tenancy: string;
  /** How the scenario was mapped onto this data plane. */
  readonly notes: readonly string[];
  readonly provisioning: {
    readonly hostWrites: Stat;
    readonly podWrites: Stat;
    readonly serviceWrites: Stat;
    readonly stateEntries: Stat;
    readonly stateEntriesByHost: Readonly<Record<string, number>>;
  };
  readonly flows: readonly FlowFigures[];
  readonly isolation: IsolationDoc;
  /** One point per size in the document's `sizes`; null where the figures could be neither built nor computed. */
  readonly scale: readonly (ScalePoint | null)[];
}

export interface CompareDoc {
  readonly version: typeof COMPARE_DOC_VERSION;
  readonly scenario: string;
  readonly file: string;
  /** Cluster sizes (hosts) of the scale figures. */
  readonly sizes: readonly number[];
  readonly podsPerHost: number;
  readonly backends: number;
  /** Sends of the scenario not played (forged, raw or ARP). */
  readonly skippedSends: number;
  readonly profiles: readonly ProfileDoc[];
}
