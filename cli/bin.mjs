#!/usr/bin/env node
// @ts-check
/* global process */
// The `twinplane` bin: runs the CLI compiled by scripts/build-cli.mjs (no tsx on every
// call). Before that, every source the build was made from is compared with the manifest
// (size and mtime, a stat each): after an edit the CLI is rebuilt first, so a developer
// never runs yesterday's code. A tree that does not compile says so and exits 3.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifestPath = join(root, 'build', 'cli', 'current.json');

/** @returns {{ dir: string, entry: string, inputs: { path: string, size: number, mtimeMs: number }[] } | undefined} */
function freshManifest() {
  let m;
  try {
    m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return undefined;
  }
  for (const i of m.inputs) {
    try {
      const st = statSync(join(root, i.path));
      if (st.size !== i.size || st.mtimeMs !== i.mtimeMs) return undefined;
    } catch {
      return undefined;
    }
  }
  return m;
}

let m = freshManifest();
if (m === undefined) {
  try {
    const { buildCli } = await import(pathToFileURL(join(root, 'scripts', 'build-cli.mjs')).href);
    m = await buildCli();
  } catch (e) {
    process.stderr.write(
      `twinplane: the CLI sources do not compile, so there is no CLI to run:\n${e instanceof Error ? e.message : String(e)}\n`,
    );
    process.exit(3);
  }
}
if (m === undefined) process.exit(3);
await import(pathToFileURL(join(root, 'build', 'cli', m.dir, m.entry)).href);
