// The scenario's cluster in the control plane: hosts, VPCs, subnets, endpoints and services
// created in file order, then each step's change applied with the map writes it made.
// Subnet names are per VPC in a scenario (two tenants may both have "pods") but global in
// the control plane, so they are qualified as "<vpc>/<network>" there.
import { ControlPlane, ControlPlaneError } from '../../model/control/plane.ts';
import type { Endpoint, Network, Scenario, Service, Step, TrafficStep, Vpc } from '../scenario/types.ts';

export const netName = (vpc: Vpc, n: Network): string => `${vpc.name}/${n.name}`;

export function createEndpoint(cp: ControlPlane, e: Endpoint): void {
  cp.createEndpoint({ name: e.name, network: netName(e.vpc, e.network), ip: e.ip, mac: e.mac, host: e.host.name });
}

export function createService(cp: ControlPlane, s: Service): void {
  cp.createService({
    name: s.name,
    vpc: s.vpc.name,
    vip: s.vip,
    ports: s.ports.map((p) => ({ port: p.port, protocol: p.protocol, targetPort: p.targetPort })),
    backends: s.backends.map((b) => b.name),
  });
}

/** The cluster as it is before the first step. Control-plane refusals propagate. */
export function buildControlPlane(s: Scenario): ControlPlane {
  const cp = new ControlPlane(s.optionClass);
  for (const h of s.hosts) cp.createHost({ name: h.name, ip: h.ip, mac: h.mac, mtu: h.mtu });
  for (const v of s.vpcs) createVpc(cp, v);
  for (const e of s.endpoints) createEndpoint(cp, e);
  for (const svc of s.services) createService(cp, svc);
  return cp;
}

export function createNetwork(cp: ControlPlane, v: Vpc, n: Network): void {
  cp.createNetwork({ name: netName(v, n), vpc: v.name, cidr: n.cidr, bouncers: n.bouncers.map((b) => b.name), gatewayIp: n.gateway });
}

export function createVpc(cp: ControlPlane, v: Vpc): void {
  cp.createVpc({ name: v.name, vni: v.vni, cidr: v.cidr, dividers: v.dividers.map((d) => d.name) });
  for (const n of v.networks) createNetwork(cp, v, n);
}

/** A step that changes the cluster (every step but the traffic ones). */
export type ChangeStep = Exclude<Step, TrafficStep>;

export function isTraffic(step: Step): step is TrafficStep {
  return step.kind === 'send' || step.kind === 'inject' || step.kind === 'openFlows';
}

/** Applies one step that changes the cluster; returns the map writes per host it made. */
export function applyStep(cp: ControlPlane, step: ChangeStep): Record<string, number> {
  const w = cp.measure(() => changeCluster(cp, step));
  return Object.fromEntries([...w.byHost].sort(([a], [b]) => a.localeCompare(b)));
}

/** The control-plane calls of a step, unmeasured (a caller measuring its own change wraps it). */
export function changeCluster(cp: ControlPlane, step: ChangeStep): void {
  switch (step.kind) {
    case 'provision':
      for (const e of step.endpoints) createEndpoint(cp, e);
      break;
    case 'delete':
      cp.deleteEndpoint(step.endpoint.name);
      break;
    case 'move':
      cp.moveEndpoint(step.endpoint.name, step.to.name);
      break;
    case 'addBackend':
      cp.addBackend(step.service.name, step.endpoint.name);
      break;
    case 'removeBackend':
      cp.removeBackend(step.service.name, step.endpoint.name);
      break;
    case 'createVpc':
      createVpc(cp, step.vpc);
      break;
    case 'deleteVpc':
      cp.deleteVpcAll(step.vpc.name);
      break;
    case 'createNetwork':
      createNetwork(cp, step.vpc, step.network);
      break;
    case 'deleteNetwork':
      cp.deleteNetworkAll(netName(step.vpc, step.network));
      break;
    case 'createService':
      createService(cp, step.service);
      break;
    case 'deleteService':
      cp.deleteService(step.service.name);
      break;
    case 'failHost':
      cp.failHost(step.host.name);
      break;
    case 'setBouncers':
      cp.setBouncers(
        netName(step.vpc, step.network),
        step.bouncers.map((b) => b.name),
      );
      break;
    case 'setDividers':
      cp.setDividers(
        step.vpc.name,
        step.dividers.map((d) => d.name),
      );
      break;
  }
}

export function stepSummary(step: Step): string {
  switch (step.kind) {
    case 'provision':
      return `provision ${step.endpoints.length} endpoints in ${step.vpc.name}/${step.network.name} on ${step.hosts.map((h) => h.name).join(', ')}`;
    case 'delete':
      return `delete ${step.endpoint.name} (on ${step.host.name})`;
    case 'move':
      return `move ${step.endpoint.name} from ${step.from.name} to ${step.to.name}`;
    case 'addBackend':
      return `add backend ${step.endpoint.name} to ${step.service.name}`;
    case 'removeBackend':
      return `remove backend ${step.endpoint.name} from ${step.service.name}`;
    case 'send':
      return `send ${step.name}`;
    case 'createVpc':
      return `create VPC ${step.vpc.name} (VNI ${step.vpc.vni}, ${step.vpc.networks.length} networks)`;
    case 'deleteVpc':
      return `delete VPC ${step.vpc.name} (VNI ${step.vpc.vni}) with ${step.endpoints.length} endpoints and ${step.services.length} services`;
    case 'createNetwork':
      return `create network ${step.vpc.name}/${step.network.name} (bouncers ${step.network.bouncers.map((b) => b.name).join(', ')})`;
    case 'deleteNetwork':
      return `delete network ${step.vpc.name}/${step.network.name} with ${step.endpoints.length} endpoints`;
    case 'createService':
      return `create service ${step.service.name} in ${step.service.vpc.name}`;
    case 'deleteService':
      return `delete service ${step.service.name}`;
    case 'failHost':
      return `host ${step.host.name} fails (${step.endpoints.length} endpoints go with it)`;
    case 'setBouncers':
      return `bouncers of ${step.vpc.name}/${step.network.name} become ${step.bouncers.map((b) => b.name).join(', ') || 'none'}`;
    case 'setDividers':
      return `dividers of ${step.vpc.name} become ${step.dividers.map((d) => d.name).join(', ') || 'none'}`;
    case 'openFlows':
      return `open ${step.count} ${step.proto} flows ${step.name}`;
    case 'inject':
      return `inject ${step.name}`;
  }
}

export { ControlPlaneError };
