// The resolved scenario: what a scenario file means once every name is looked up, every
// default filled and every address parsed. Plain data with no behaviour, so the runner (model,
// kernel, live) and the reports can all consume it. References between entities are the
// entity objects themselves (a DAG: no back-pointers, so it can be walked and printed).
import type { Cidr, Ipv4, Mac } from '../../model/wire/addr.ts';
import type { ReasonName } from '../../model/dataplane/tables.ts';
import type { ProfileName } from '../profile/profile-names.ts';

/** Where something was written: lets a runner's report point back into the file. */
export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

export interface Host {
  readonly name: string;
  /** Underlay address. */
  readonly ip: Ipv4;
  readonly mac: Mac;
  readonly mtu: number;
}

export interface Network {
  readonly name: string;
  readonly cidr: Cidr;
  readonly gateway: Ipv4;
  /** 1 to MAX_BOUNCERS hosts, in the order written (the data plane hashes over this order). */
  readonly bouncers: readonly Host[];
}

export interface Vpc {
  readonly name: string;
  readonly vni: number;
  readonly cidr: Cidr;
  /** 0 to MAX_DIVIDERS hosts; a VPC with one subnet needs none. */
  readonly dividers: readonly Host[];
  readonly networks: readonly Network[];
}

/** An endpoint as created; `host` is where it is created (a `move` step changes it later). */
export interface Endpoint {
  readonly name: string;
  readonly vpc: Vpc;
  readonly network: Network;
  readonly ip: Ipv4;
  readonly mac: Mac;
  readonly host: Host;
  /** The pod's interface MTU (default: its host's MTU less the 66 bytes of encapsulation). */
  readonly mtu?: number;
}

export type L4Protocol = 'tcp' | 'udp';

export interface ServicePort {
  readonly port: number;
  readonly protocol: L4Protocol;
  /** The backend port; equals `port` when the file gives none. */
  readonly targetPort: number;
}

export interface Service {
  readonly name: string;
  readonly vpc: Vpc;
  readonly vip: Ipv4;
  readonly ports: readonly ServicePort[];
  /** Backends at creation; may be empty (the service then drops with NO_BACKEND). */
  readonly backends: readonly Endpoint[];
}

/** What a `send` (or a forged inner frame) is addressed to. */
export type Target =
  | { readonly kind: 'endpoint'; readonly endpoint: Endpoint; readonly ip: Ipv4; readonly live: boolean }
  | { readonly kind: 'service'; readonly service: Service; readonly ip: Ipv4 }
  | { readonly kind: 'ip'; readonly ip: Ipv4 };

export type SendProto = 'icmp' | 'udp' | 'tcp' | 'arp' | 'raw';

/** Options that forge what a pod sends, for adversarial scenarios. */
export interface Forge {
  /** Source IP written into the packet (ARP: the sender protocol address) instead of the pod's. */
  readonly srcIp?: Ipv4;
  /** Source MAC written into the frame (ARP: also the sender hardware address). */
  readonly srcMac?: Mac;
  /** An 802.1Q tag with this VLAN id is inserted after the source MAC. */
  readonly vlan?: number;
  /** The UDP payload is a Geneve header with this VNI and an inner ICMP echo to `innerTo`. */
  readonly geneve?: { readonly vni: number; readonly innerTo: Target };
}

export interface Expect {
  /** Reached an endpoint (for arp: a reply reached the sender). Absent: not checked. */
  readonly delivered?: boolean;
  /** The endpoint the packet must reach (for arp: whose MAC the reply carries). */
  readonly to?: Endpoint;
  /** The reason of the last verdict of every packet. */
  readonly reason?: ReasonName;
  /** Hosts the first packet crossed, first to last. */
  readonly path?: readonly Host[];
  /** Underlay transmissions of the first packet; 0 = delivered on the sender's host. */
  readonly hops?: number;
  /** From packet N (1-based) on, the path is sender's host then destination's host. */
  readonly directAfter?: number;
  /** The backend a service send must reach. */
  readonly backend?: Endpoint;
  /** The bouncers of the sender's subnet see only the ARP exchange, no data packet. */
  readonly bouncerSees?: 'arpOnly';
  /**
   * true: every delivered packet was routed (its inner TTL one below what the pod sent, its
   * source MAC the receiving subnet's gateway MAC); false: bridged (TTL and source MAC as sent).
   */
  readonly routed?: boolean;
  /** What the delivered packet looks like (source after NAT, TTL, source MAC, the VNI it came in). */
  readonly arrivesWith?: PacketAssert;
  /** The same of the answer delivered back to the sender (a service reply: the VIP as source). */
  readonly replyArrivesWith?: PacketAssert;
}

/** Fields of a delivered packet; absent = not checked. */
export interface PacketAssert {
  readonly srcIp?: Ipv4;
  readonly srcPort?: number;
  readonly dstIp?: Ipv4;
  readonly dstPort?: number;
  readonly ttl?: number;
  readonly srcMac?: Mac;
  /** The VNI of the Geneve frame the receiving host decapsulated (absent when delivered on the sender's host). */
  readonly vni?: number;
}

export interface ProvisionStep {
  readonly kind: 'provision';
  readonly at: SourcePos;
  readonly vpc: Vpc;
  readonly network: Network;
  readonly hosts: readonly Host[];
  /** Fully allocated: names, addresses, MACs and hosts (round-robin over `hosts`). */
  readonly endpoints: readonly Endpoint[];
}

export interface DeleteStep {
  readonly kind: 'delete';
  readonly at: SourcePos;
  readonly endpoint: Endpoint;
  /** Where the endpoint was at this point of the scenario. */
  readonly host: Host;
}

export interface MoveStep {
  readonly kind: 'move';
  readonly at: SourcePos;
  readonly endpoint: Endpoint;
  readonly from: Host;
  readonly to: Host;
}

export interface BackendStep {
  readonly kind: 'addBackend' | 'removeBackend';
  readonly at: SourcePos;
  readonly service: Service;
  readonly endpoint: Endpoint;
}

export interface SendStep {
  readonly kind: 'send';
  readonly at: SourcePos;
  /** The name given, or `from → to (proto)`. */
  readonly name: string;
  readonly from: Endpoint;
  /** The sender's host at this point of the scenario (after earlier moves). */
  readonly fromHost: Host;
  /** Absent only for proto raw without `to`. */
  readonly to?: Target;
  readonly proto: SendProto;
  /** Destination port (tcp/udp only). */
  readonly port?: number;
  /** Source port (tcp/udp only): all `count` packets of a send are one flow. */
  readonly srcPort?: number;
  readonly count: number;
  /** L4 payload (ICMP: echo data). */
  readonly payload: Uint8Array;
  /** The whole Ethernet frame, for proto raw. */
  readonly raw?: Uint8Array;
  readonly forge: Forge;
  readonly expect: Expect;
}

/** A VPC (with its networks) created mid-run; its VNI may be one a deleted VPC used. */
export interface CreateVpcStep {
  readonly kind: 'createVpc';
  readonly at: SourcePos;
  readonly vpc: Vpc;
}

export interface DeleteVpcStep {
  readonly kind: 'deleteVpc';
  readonly at: SourcePos;
  readonly vpc: Vpc;
  /** Endpoints and services deleted with it. */
  readonly endpoints: readonly Endpoint[];
  readonly services: readonly Service[];
}

export interface CreateNetworkStep {
  readonly kind: 'createNetwork';
  readonly at: SourcePos;
  readonly vpc: Vpc;
  readonly network: Network;
}

export interface DeleteNetworkStep {
  readonly kind: 'deleteNetwork';
  readonly at: SourcePos;
  readonly vpc: Vpc;
  readonly network: Network;
  /** Endpoints deleted with it. */
  readonly endpoints: readonly Endpoint[];
}

export interface CreateServiceStep {
  readonly kind: 'createService';
  readonly at: SourcePos;
  readonly service: Service;
}

export interface DeleteServiceStep {
  readonly kind: 'deleteService';
  readonly at: SourcePos;
  readonly service: Service;
}

/** A host fails: its endpoints go, it leaves every bouncer and divider set, the underlay loses it. */
export interface FailHostStep {
  readonly kind: 'failHost';
  readonly at: SourcePos;
  readonly host: Host;
  readonly endpoints: readonly Endpoint[];
}

export interface SetBouncersStep {
  readonly kind: 'setBouncers';
  readonly at: SourcePos;
  readonly vpc: Vpc;
  readonly network: Network;
  readonly bouncers: readonly Host[];
}

export interface SetDividersStep {
  readonly kind: 'setDividers';
  readonly at: SourcePos;
  readonly vpc: Vpc;
  readonly dividers: readonly Host[];
}

/** `count` flows from one pod, one packet each (a SYN, or a datagram), source ports from `srcPort` up. */
export interface OpenFlowsStep {
  readonly kind: 'openFlows';
  readonly at: SourcePos;
  readonly name: string;
  readonly from: Endpoint;
  readonly fromHost: Host;
  readonly to: Target;
  readonly proto: L4Protocol;
  readonly port: number;
  readonly count: number;
  readonly srcPort: number;
  /** delivered: every flow's packet reached an endpoint (true) or none did (false). */
  readonly expect: { readonly delivered?: boolean };
}

/** A Geneve frame put on the underlay towards a host's NIC: from a host, or from an address that is no host. */
export interface InjectStep {
  readonly kind: 'inject';
  readonly at: SourcePos;
  readonly name: string;
  /** The host whose NIC receives the frame. */
  readonly into: Host;
  /** The outer source: a host of the scenario, or an address and MAC no host has. */
  readonly from: { readonly host?: Host; readonly ip: Ipv4; readonly mac: Mac; readonly label: string };
  readonly vni: number;
  /** The host-location option (absent: none). */
  readonly hostLocation?: { readonly ip: Ipv4; readonly mac: Mac };
  /** The service-rewrite option (absent: none), put first. */
  readonly serviceRewrite?: {
    readonly vip: Ipv4;
    readonly vipPort: number;
    readonly backendIp: Ipv4;
    readonly backendPort: number;
    readonly backendMac: Mac;
    readonly hostIp: Ipv4;
    readonly hostMac: Mac;
  };
  /** The inner frame. */
  readonly inner: {
    readonly proto: 'icmp' | 'udp' | 'tcp' | 'arp-request' | 'arp-reply';
    readonly src: Ipv4;
    readonly srcMac: Mac;
    readonly dst: Ipv4;
    readonly dstMac: Mac;
    readonly port?: number;
    readonly srcPort?: number;
    readonly ttl: number;
  };
  readonly count: number;
  readonly expect: {
    readonly delivered?: boolean;
    readonly to?: Endpoint;
    readonly reason?: ReasonName;
    /** Whether any host learnt anything from it (ep_cache, flows, rflows). */
    readonly learns?: boolean;
  };
}

export type LifecycleStep =
  | CreateVpcStep
  | DeleteVpcStep
  | CreateNetworkStep
  | DeleteNetworkStep
  | CreateServiceStep
  | DeleteServiceStep
  | FailHostStep
  | SetBouncersStep
  | SetDividersStep;

export type Step = ProvisionStep | DeleteStep | MoveStep | BackendStep | SendStep | LifecycleStep | OpenFlowsStep | InjectStep;

/** Steps that put frames on the wire (the rest change the cluster). */
export type TrafficStep = SendStep | OpenFlowsStep | InjectStep;

export type Invariant = 'isolation' | 'reachability';

/** An isolation assertion of the scenario: checked by every send of `run` and every class of `verify`. */
export interface Assertion {
  readonly kind: 'neverReach' | 'neverCross';
  readonly at: SourcePos;
  /** The pod it constrains; absent = every pod. */
  readonly from?: Endpoint;
  /** neverReach: endpoint names; neverCross: host names. */
  readonly targets: readonly string[];
}

export interface Scenario {
  /** The file name given to the loader, as it appears in error messages. */
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly hosts: readonly Host[];
  readonly vpcs: readonly Vpc[];
  /** Endpoints created before the first step (provisioned ones live in their step). */
  readonly endpoints: readonly Endpoint[];
  readonly services: readonly Service[];
  readonly steps: readonly Step[];
  /** Checked after the last step, over the endpoints alive then. */
  readonly invariants: readonly Invariant[];
  /** `invariants: { isolation: exhaustive }`: isolation is proven by verify's classes, not probed. */
  readonly exhaustive?: boolean;
  /** The all-pairs probe: every pair ('all', the default) or a sample of at most this many pairs. */
  readonly pairs?: 'all' | number;
  readonly assertions?: readonly Assertion[];
  /**
   * The Geneve option class of our two options on every host (default
   * CONSTS.OPT_CLASS_DEFAULT, 0xFFF0, in RFC 8926's experimental range; 0x0111, Mizar's,
   * stays selectable). `--option-class` on the CLI overrides it.
   */
  readonly optionClass?: number;
  /** The data plane the scenario is written for (harness/profile; absent: DEFAULT_PROFILE), and where it says so. */
  readonly profile?: { readonly name: ProfileName; readonly at: SourcePos };
}
