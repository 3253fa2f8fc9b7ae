// run.json and --json are written through TextSink: pieces encoded into one buffer, flushed a
// MiB at a time, a piece too big for the buffer written on its own. The file must be the
// pieces' text, in order, as UTF-8, across every flush.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';
import { TextSink } from '../../cli/run-sinks.ts';

const dir = mkdtempSync(join(tmpdir(), 'twinplane-sinks-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('writes the pieces as UTF-8, in order, across flushes and pieces bigger than its buffer', () => {
  let n = 0;
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          fc.constantFrom('→'.repeat(200_000), 'x'.repeat(400_000), '😀'.repeat(180_000), ''),
        ),
        { maxLength: 40 },
      ),
      (pieces) => {
        const path = join(dir, `t${n++}.json`);
        const t = new TextSink(path);
        for (const p of pieces) t.write(p);
        t.close();
        expect(readFileSync(path, 'utf8')).toBe(pieces.join(''));
      },
    ),
    { seed: 5, numRuns: 60 },
  );
});
