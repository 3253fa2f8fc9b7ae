// A live run: a prefix, its owner marker, and signal/exit handlers that remove the run's
// namespaces whatever way the process ends (short of SIGKILL, which `cleanupAll()` or
// `twinplane live clean` handles afterwards, since the marker then names a dead owner).
import { cleanupRun } from './cleanup.ts';
import { newRunPrefix, removeMarker, writeMarker } from './prefix.ts';

const active = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

function cleanupActive(): void {
  for (const p of [...active]) {
    try {
      cleanupRun(p);
    } catch {
      // Keep going: the other runs still deserve their cleanup; `live clean` mops up.
    }
    active.delete(p);
  }
}

function onSignal(sig: NodeJS.Signals): void {
  cleanupActive();
  uninstall();
  // Die of the same signal, as if we had never caught it (exit status 128 + n).
  process.kill(process.pid, sig);
}

function onExit(): void {
  cleanupActive();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', onExit);
}

/** Starts a run: writes the owner marker first, then arms the handlers. Returns the prefix. */
export function openRun(prefix: string = newRunPrefix()): string {
  writeMarker(prefix);
  active.add(prefix);
  install();
  return prefix;
}

/** Removes everything of the run and its marker; disarms the handlers when no run is left. */
export function closeRun(prefix: string): void {
  try {
    const left = cleanupRun(prefix);
    if (left.namespaces.length || left.links.length) {
      throw new Error(`run ${prefix}: could not remove ${[...left.namespaces, ...left.links].join(', ')}`);
    }
  } finally {
    removeMarker(prefix);
    active.delete(prefix);
    if (active.size === 0) uninstall();
  }
}

/** Prefixes of runs this process has open. */
export function activeRuns(): string[] {
  return [...active];
}

/** Runs `fn` inside a fresh run and always closes the run afterwards. */
export async function withRun<T>(fn: (prefix: string) => Promise<T> | T): Promise<T> {
  const prefix = openRun();
  try {
    return await fn(prefix);
  } finally {
    closeRun(prefix);
  }
}
