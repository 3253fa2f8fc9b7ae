// Counting the control plane's map writes (an update or a delete of one entry), per host and
// per map: the provisioning-cost claim is that creating an endpoint makes a constant number
// of them whatever the size of the cluster.

export class WriteCounter {
  total = 0;
  readonly byMap = new Map<string, number>();
  readonly byHost = new Map<string, number>();
  /** Per host, per map; kept only for measured operations (cheap there, costly cluster-wide). */
  readonly byHostMap: Map<string, Map<string, number>> | null;

  constructor(detailed: boolean) {
    this.byHostMap = detailed ? new Map() : null;
  }

  add(host: string, map: string): void {
    this.total++;
    this.byMap.set(map, (this.byMap.get(map) ?? 0) + 1);
    this.byHost.set(host, (this.byHost.get(host) ?? 0) + 1);
    if (this.byHostMap !== null) {
      let m = this.byHostMap.get(host);
      if (m === undefined) this.byHostMap.set(host, (m = new Map()));
      m.set(map, (m.get(map) ?? 0) + 1);
    }
  }

  /** Writes to one map (all hosts). */
  map(name: string): number {
    return this.byMap.get(name) ?? 0;
  }

  /** Writes on one host (all maps), or to one of its maps when `map` is given. */
  host(name: string, map?: string): number {
    if (map === undefined) return this.byHost.get(name) ?? 0;
    return this.byHostMap?.get(name)?.get(map) ?? 0;
  }

  /** Hosts written to at least once. */
  get hosts(): number {
    return this.byHost.size;
  }

  /** A plain summary: { total, hosts, maps: { name: n } } with maps sorted by name. */
  summary(): { total: number; hosts: number; maps: Record<string, number> } {
    const maps: Record<string, number> = {};
    for (const k of [...this.byMap.keys()].sort()) maps[k] = this.byMap.get(k)!;
    return { total: this.total, hosts: this.hosts, maps };
  }
}
