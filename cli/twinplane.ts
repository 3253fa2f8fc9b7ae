#!/usr/bin/env -S npx tsx
// The twinplane command. Exit codes: 0 ok, 1 failure or mismatch, 2 bad input. The work is
// in main.ts; this file is only the process around it.
import { EXIT } from './errors.ts';
import { processIo } from './io.ts';
import { main } from './main.ts';

// `decode big.pcapng | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(EXIT.ok);
  throw e;
});

main(process.argv.slice(2), processIo()).then(
  (code) => {
    // exitCode, not exit(): let stdout drain before the process ends.
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(
      `twinplane: internal error (a bug, please report it):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = EXIT.failure;
  },
);
