// Finding and removing what live runs leave behind. A run's leftovers are found by name
// (its prefix) alone: namespaces from `ip netns list`, links in this process's own
// namespace (none should ever be there: belt and braces), and its marker file.
// Processes still running inside a run's namespaces (captures, echo servers) are killed
// first: a namespace whose mount is gone lives on, with its interfaces, while any process
// is still inside it.
import { CommandError, ip, listLinks, listNetns, runSync } from '../ip.ts';
import { ownerAlive, prefixOf, readMarkers, removeMarker, isRunPrefix } from './prefix.ts';

export interface Leftovers {
  readonly namespaces: string[];
  /** Links named like ours in the namespace this process runs in. */
  readonly links: string[];
  /** Run prefixes with a marker file. */
  readonly markers: string[];
}

/** What exists with `prefix` (a run prefix), or with any project prefix when omitted. */
export function findLeftovers(prefix?: string): Leftovers {
  const mine = (name: string): boolean => (prefix ? name.startsWith(prefix) : prefixOf(name) !== undefined);
  return {
    namespaces: listNetns().filter(mine),
    links: listLinks()
      .map((l) => l.name)
      .filter(mine),
    markers: readMarkers()
      .map((m) => m.prefix)
      .filter((p) => (prefix ? p === prefix : true)),
  };
}

export function isEmpty(l: Leftovers, withMarkers = true): boolean {
  return l.namespaces.length === 0 && l.links.length === 0 && (!withMarkers || l.markers.length === 0);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Pids of processes inside namespace `ns` (the run's own namespaces only). */
export function pidsIn(ns: string): number[] {
  try {
    return ip(['netns', 'pids', ns])
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
  } catch {
    return [];
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

// A killed builder may have an `ip` child that finishes creating something after our
// first sweep: sweep until two passes in a row find nothing, at most this many times.
const MAX_SWEEPS = 8;
const SWEEP_PAUSE_MS = 50;

/**
 * Removes everything of run `prefix`; returns what could not be removed (empty on
 * success). Synchronous, so it also works in signal and exit handlers.
 */
export function cleanupRun(prefix: string): Leftovers {
  if (!isRunPrefix(prefix)) throw new Error(`cleanupRun: not a run prefix: ${JSON.stringify(prefix)}`);
  let quiet = 0;
  for (let sweep = 0; sweep < MAX_SWEEPS && quiet < 2; sweep++) {
    const found = findLeftovers(prefix);
    if (isEmpty(found, false)) {
      quiet++;
      if (quiet < 2) sleepSync(SWEEP_PAUSE_MS);
      continue;
    }
    quiet = 0;
    for (const ns of found.namespaces) for (const pid of pidsIn(ns)) killQuietly(pid);
    const lines = [...found.namespaces.map((ns) => `netns del ${ns}`), ...found.links.map((l) => `link del ${l}`)];
    try {
      // -force: carry on past a line that fails (something vanished meanwhile); rescan decides.
      runSync(['ip', '-force', '-batch', '-'], { input: lines.join('\n') + '\n' });
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
    }
    sleepSync(SWEEP_PAUSE_MS);
  }
  const left = findLeftovers(prefix);
  if (isEmpty(left, false)) removeMarker(prefix);
  return findLeftovers(prefix);
}

export interface CleanupAllResult {
  /** Prefixes whose leftovers were removed. */
  readonly cleaned: string[];
  /** Prefixes left alone because the process that owns them is still running. */
  readonly skipped: string[];
  /** What could not be removed. */
  readonly remaining: Leftovers;
}

/**
 * Removes every project run whose owner process is gone (crashed, killed). With
 * `force`, also runs whose owner is alive — only for when nothing else of ours runs.
 * With `only`, considers those runs alone: a test cleans up what it made and nothing of
 * the other runs on the machine (other worktrees' suites run in parallel).
 */
export function cleanupAll(opts: { force?: boolean; only?: readonly string[] } = {}): CleanupAllResult {
  const only = opts.only ? new Set(opts.only) : undefined;
  const scoped = (p: string): boolean => only === undefined || only.has(p);
  const found = findLeftovers();
  const markers = readMarkers();
  const prefixes = new Set<string>(found.markers.filter(scoped));
  for (const n of [...found.namespaces, ...found.links]) if (scoped(prefixOf(n)!)) prefixes.add(prefixOf(n)!);
  const cleaned: string[] = [];
  const skipped: string[] = [];
  for (const p of [...prefixes].sort()) {
    const m = markers.find((x) => x.prefix === p);
    if (!opts.force && m && ownerAlive(m)) {
      skipped.push(p);
      continue;
    }
    cleanupRun(p);
    cleaned.push(p);
  }
  const all = findLeftovers();
  const counts = (p: string | undefined): boolean => p !== undefined && scoped(p) && !skipped.includes(p);
  const remaining: Leftovers = {
    namespaces: all.namespaces.filter((n) => counts(prefixOf(n))),
    links: all.links.filter((n) => counts(prefixOf(n))),
    markers: all.markers.filter((p) => counts(p)),
  };
  return { cleaned, skipped, remaining };
}
