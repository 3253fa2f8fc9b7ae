// Names given on the command line (hosts, pods, flow ends) checked against the scenario
// before anything runs, with the nearest real name offered — the loader's did-you-mean.
import { hint } from '../harness/scenario/did-you-mean.ts';
import type { Scenario } from '../harness/scenario/types.ts';
import { parseIpv4 } from '../model/wire/addr.ts';
import { UserError } from './errors.ts';

export function hostNames(s: Scenario): string[] {
  return s.hosts.map((h) => h.name);
}

/** Every endpoint the scenario ever creates (given or provisioned), in file order. */
export function endpointNames(s: Scenario): string[] {
  const out = s.endpoints.map((e) => e.name);
  for (const st of s.steps) if (st.kind === 'provision') out.push(...st.endpoints.map((e) => e.name));
  return out;
}

export function checkHost(s: Scenario, flag: string, name: string): void {
  const hosts = hostNames(s);
  if (!hosts.includes(name))
    throw new UserError(`--${flag} ${name}: no host '${name}' in ${s.file} (hosts: ${hosts.join(', ')})${hint(name, hosts)}`);
}

/** A pod named for --iface: 'underlay' or an endpoint of the scenario (where it is is checked later). */
export function checkIface(s: Scenario, flag: string, name: string): void {
  if (name === 'underlay') return;
  const eps = endpointNames(s);
  if (!eps.includes(name))
    throw new UserError(`--${flag} ${name}: neither 'underlay' nor an endpoint of ${s.file}${hint(name, ['underlay', ...eps])}`);
}

/** A flow's ends: the sender is an endpoint; the receiver an endpoint, a service or an address. */
export function checkFlowEnds(s: Scenario, from: string, to: string): void {
  const eps = endpointNames(s);
  if (!eps.includes(from)) throw new UserError(`--flow ${from}->${to}: '${from}' is not an endpoint of ${s.file}${hint(from, eps)}`);
  const targets = [...eps, ...s.services.map((x) => x.name)];
  if (parseIpv4(to) === undefined && !targets.includes(to))
    throw new UserError(`--flow ${from}->${to}: '${to}' is neither an endpoint, a service nor an IPv4 address${hint(to, targets)}`);
}
