// Run prefixes and the owner registry. Everything a live run creates (namespaces, links,
// the bridge) is named `tp<6 hex>-...`, so a run's leftovers can be found by name alone,
// and nothing the project did not create can ever match. Each run also leaves a marker
// file naming its process: `cleanupAll()` removes only runs whose owner is gone, so one
// test file never tears down another file's topology running in parallel.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Matches any name the project creates; group 1 is the run prefix (`tp1a2b3c-`). */
export const PROJECT_NAME_RE = /^(tp[0-9a-f]{6}-)/;
const PREFIX_RE = /^tp[0-9a-f]{6}-$/;

/** Linux IFNAMSIZ − 1: the longest interface name. */
export const MAX_IFNAME = 15;

export function isRunPrefix(s: string): boolean {
  return PREFIX_RE.test(s);
}

/** The run prefix a namespace or link name belongs to, or undefined if it is not ours. */
export function prefixOf(name: string): string | undefined {
  return PROJECT_NAME_RE.exec(name)?.[1];
}

export function newRunPrefix(): string {
  return `tp${randomBytes(3).toString('hex')}-`;
}

/** Where markers live: /run is a tmpfs, cleared at boot together with every namespace. */
export function stateDir(): string {
  return process.env.TWINPLANE_LIVE_STATE_DIR ?? '/run/twinplane-live';
}

export interface RunMarker {
  readonly prefix: string;
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a live owner from a recycled pid. */
  readonly startTime: string;
  readonly created: string;
}

function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** Records that this process owns `prefix`. Call before creating anything. */
export function writeMarker(prefix: string): RunMarker {
  if (!isRunPrefix(prefix)) throw new Error(`not a run prefix: ${prefix}`);
  const marker: RunMarker = {
    prefix,
    pid: process.pid,
    startTime: procStartTime(process.pid) ?? '',
    created: new Date().toISOString(),
  };
  mkdirSync(stateDir(), { recursive: true });
  writeFileSync(join(stateDir(), `${prefix}.json`), JSON.stringify(marker) + '\n');
  return marker;
}

export function removeMarker(prefix: string): void {
  rmSync(join(stateDir(), `${prefix}.json`), { force: true });
}

export function readMarkers(): RunMarker[] {
  let files: string[];
  try {
    files = readdirSync(stateDir());
  } catch {
    return [];
  }
  const out: RunMarker[] = [];
  for (const f of files) {
    const prefix = f.replace(/\.json$/, '');
    if (!isRunPrefix(prefix)) continue;
    try {
      out.push(JSON.parse(readFileSync(join(stateDir(), f), 'utf8')) as RunMarker);
    } catch {
      // A marker cut short by a crash names no owner: treat the run as abandoned.
      out.push({ prefix, pid: 0, startTime: '', created: '' });
    }
  }
  return out;
}

/** True while the process that wrote the marker is still running (same pid, same start). */
export function ownerAlive(m: RunMarker): boolean {
  if (m.pid <= 0) return false;
  const st = procStartTime(m.pid);
  return st !== undefined && st === m.startTime;
}
