// The write counter of the DC/OS control plane: a WriteCounter whose overlay writes (the
// four entries every agent makes for each join and leave of another) are counted per
// agent lazily. Every join costs each present agent 4 writes, so counting them one by one
// is O(N) per join and O(N^2) for a cluster: 10^10 counter updates at 100,000 agents.
// Instead each join or leave is one "overlay event"; an agent's share is the number of
// events since it joined times 4, settled into byHost / byHostMap when anyone asks
// (host(), hosts, summary()). Totals and per-map counts are kept exactly at every step.
// Reading byHost directly before a settle() sees only the settled part.
import { WriteCounter } from '../control/writes.ts';

export class DcosWriteCounter extends WriteCounter {
  private events = 0;
  /** Agent -> the overlay events already settled into its counts. */
  private readonly settledAt = new Map<string, number>();

  constructor(
    detailed: boolean,
    /** The maps one overlay event writes on every agent it reaches. */
    private readonly overlayMaps: readonly string[],
  ) {
    super(detailed);
  }

  /** An agent joined or left: each of the `reached` agents present writes every overlay map once. */
  overlayEvent(reached: number): void {
    this.events++;
    this.total += reached * this.overlayMaps.length;
    for (const m of this.overlayMaps) this.byMap.set(m, (this.byMap.get(m) ?? 0) + reached);
  }

  /** `n` writes to `map` on `host` at once (WriteCounter.add n times, in O(1)). */
  addMany(host: string, map: string, n: number): void {
    if (n <= 0) return;
    this.total += n;
    this.byMap.set(map, (this.byMap.get(map) ?? 0) + n);
    this.byHost.set(host, (this.byHost.get(host) ?? 0) + n);
    if (this.byHostMap !== null) {
      let m = this.byHostMap.get(host);
      if (m === undefined) this.byHostMap.set(host, (m = new Map()));
      m.set(map, (m.get(map) ?? 0) + n);
    }
  }

  /** `agent` is present from now on: it receives the overlay events to come. */
  track(agent: string): void {
    this.settledAt.set(agent, this.events);
  }

  /** `agent` leaves: its share is settled and it receives nothing more. */
  untrack(agent: string): void {
    this.settleOne(agent);
    this.settledAt.delete(agent);
  }

  private settleOne(agent: string): void {
    const at = this.settledAt.get(agent);
    if (at === undefined || at === this.events) return;
    const n = this.events - at;
    this.settledAt.set(agent, this.events);
    this.byHost.set(agent, (this.byHost.get(agent) ?? 0) + n * this.overlayMaps.length);
    if (this.byHostMap !== null) {
      let hm = this.byHostMap.get(agent);
      if (hm === undefined) this.byHostMap.set(agent, (hm = new Map()));
      for (const m of this.overlayMaps) hm.set(m, (hm.get(m) ?? 0) + n);
    }
  }

  /** Puts every agent's pending overlay writes into byHost / byHostMap. */
  settle(): void {
    for (const a of this.settledAt.keys()) this.settleOne(a);
  }

  override host(name: string, map?: string): number {
    this.settleOne(name);
    return super.host(name, map);
  }

  override get hosts(): number {
    this.settle();
    return super.hosts;
  }

  override summary(): { total: number; hosts: number; maps: Record<string, number> } {
    this.settle();
    return super.summary();
  }
}
