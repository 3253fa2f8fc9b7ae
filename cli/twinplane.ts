#!/usr/bin/env -S npx tsx
// The twinplane command. Exit codes: 0 ok, 1 failure or mismatch, 2 bad input, 3 a bug. The
// work is in main.ts; this file is only the process around it. The bin (cli/bin.mjs) runs
// the compiled copy of this file; `node --import tsx cli/twinplane.ts` runs the sources.
import { EXIT, writeProblem } from './errors.ts';
import { processIo } from './io.ts';
import { main } from './main.ts';
import { tuneV8 } from './v8-flags.ts';

// Before main: the flags apply to what V8 optimizes from here on (why: v8-flags.ts).
tuneV8();

// `decode big.pcapng | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  process.stderr.write(`twinplane: cannot write the output: ${writeProblem(e)}\n`);
  process.exit(EXIT.failure);
});

main(process.argv.slice(2), processIo()).then(
  (code) => {
    // exitCode, not exit(): let stdout drain before the process ends.
    process.exitCode = code;
  },
  (e: unknown) => {
    // main catches everything a command throws; this is only for main itself failing.
    process.stderr.write(`twinplane: internal error (a bug, please report it): ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.TWINPLANE_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack ?? ''}\n`);
    process.exitCode = EXIT.internal;
  },
);
