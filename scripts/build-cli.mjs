// @ts-check
/* global process, performance */
// Compiles the CLI to JavaScript so the bin starts without tsx (0.6 s → well under 0.1 s):
// esbuild bundles cli/twinplane.ts with code splitting (each command's modules stay lazy:
// `--help` loads no yaml, no koffi), packages left to node_modules. Each build goes into
// its own folder under build/cli/ and build/cli/current.json is replaced atomically, so a
// run that started on the previous build keeps finding its chunks. The manifest lists every
// source file with its size and mtime: cli/bin.mjs rebuilds when one differs.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'build', 'cli');
export const MANIFEST = join(OUT, 'current.json');
const KEEP_MS = 10 * 60 * 1000;

/**
 * Sources say `new URL('../x', import.meta.url)` meaning "next to this source file"; in a
 * bundle import.meta.url is the chunk's. Rewrite it to the source's own URL, computed from
 * the chunk's place in build/cli/<id>/ so the tree stays relocatable.
 */
const sourceUrls = {
  name: 'source-urls',
  /** @param {import('esbuild').PluginBuild} b */
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      // The entry's `npx tsx` shebang is for running the sources; the build is imported.
      const hashbang = text.startsWith('#!');
      if (hashbang) text = text.slice(text.indexOf('\n') + 1);
      if (!hashbang && !text.includes('import.meta.')) return undefined;
      const rel = relative(ROOT, args.path).split('\\').join('/');
      const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/') + 1) : '';
      return {
        loader: 'ts',
        contents: text
          .replaceAll('import.meta.url', `__tpSourceUrl(${JSON.stringify(rel)})`)
          .replaceAll('import.meta.dirname', `__tpSourceDir(${JSON.stringify(dir)})`),
      };
    });
  },
};

const BANNER = [
  "import { fileURLToPath as __tpPath } from 'node:url';",
  "const __tpRoot = new URL('../../../', import.meta.url);",
  'const __tpSourceUrl = (p) => new URL(p, __tpRoot).href;',
  "const __tpSourceDir = (p) => __tpPath(new URL(p || '.', __tpRoot)).replace(/\\/$/, '');",
].join('\n');

/** Builds; returns the manifest written. Throws esbuild's error when a source does not compile. */
export async function buildCli() {
  const esbuild = await import('esbuild');
  const id = `${Date.now().toString(36)}-${process.pid}`;
  const dir = join(OUT, id);
  const result = await esbuild.build({
    entryPoints: [join(ROOT, 'cli', 'twinplane.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: dir,
    banner: { js: BANNER },
    plugins: [sourceUrls],
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => {
    const st = statSync(join(process.cwd(), p));
    return { path: relative(ROOT, join(process.cwd(), p)), size: st.size, mtimeMs: st.mtimeMs };
  });
  const manifest = { dir: id, entry: 'twinplane.js', builtAt: Date.now(), inputs };
  const tmp = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(manifest));
  renameSync(tmp, MANIFEST);
  // Earlier builds go once no run can still be loading from them.
  for (const d of readdirSync(OUT)) {
    const p = join(OUT, d);
    if (d === id || !statSync(p).isDirectory()) continue;
    if (Date.now() - statSync(p).mtimeMs > KEEP_MS) rmSync(p, { recursive: true, force: true });
  }
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(OUT, { recursive: true });
  const t = performance.now();
  buildCli().then(
    (m) =>
      process.stderr.write(`build-cli: build/cli/${m.dir} from ${m.inputs.length} sources in ${Math.round(performance.now() - t)} ms\n`),
    (e) => {
      process.stderr.write(`build-cli: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
