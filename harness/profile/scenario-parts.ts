// What every profile takes from a scenario: its pods (those created up front, then those its
// provision steps add, in file order) and its flows (the plain sends between pods or to a
// service; forged, raw and ARP sends are about one data plane's defences, not about costs).
import type { Endpoint, Scenario, SendStep } from '../scenario/types.ts';
import type { CompareFlow } from './profile.ts';

export function podsOf(s: Scenario): Endpoint[] {
  const out = [...s.endpoints];
  for (const st of s.steps) if (st.kind === 'provision') out.push(...st.endpoints);
  return out;
}

const plain = (st: SendStep): boolean =>
  (st.proto === 'icmp' || st.proto === 'udp' || st.proto === 'tcp') &&
  Object.keys(st.forge).length === 0 &&
  (st.to?.kind === 'endpoint' || st.to?.kind === 'service');

/** The scenario's distinct plain flows, and how many sends were left out (with why, once). */
export function flowsOf(s: Scenario): { flows: CompareFlow[]; skipped: number } {
  const flows: CompareFlow[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const st of s.steps) {
    if (st.kind !== 'send') continue;
    if (!plain(st)) {
      skipped++;
      continue;
    }
    const to =
      st.to!.kind === 'endpoint'
        ? { kind: 'pod' as const, name: st.to!.endpoint.name }
        : { kind: 'service' as const, name: st.to!.kind === 'service' ? st.to!.service.name : '' };
    const proto = st.proto as CompareFlow['proto'];
    const port = proto === 'icmp' ? 0 : (st.port ?? 0);
    const key = `${st.from.name}>${to.kind}:${to.name}/${proto}/${port}`;
    if (seen.has(key)) continue;
    seen.add(key);
    flows.push({ name: st.name, from: st.from.name, to, proto, port });
  }
  return { flows, skipped };
}
