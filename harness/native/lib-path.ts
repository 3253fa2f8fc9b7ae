// Where the harness's native helper is built from and to (bpf/Makefile's rule), apart from
// its binding so a caller that only checks the build (cli/bpf-build.ts) loads no FFI.
import { fileURLToPath } from 'node:url';

/** The helper's source. */
export const RUN_BATCH_SRC = fileURLToPath(new URL('./run_batch.c', import.meta.url));

/** The library bpf/Makefile builds from it (scripts/setup.sh, npm run build:bpf). */
export const RUN_BATCH_LIB = fileURLToPath(new URL('../../build/native/librunbatch.so', import.meta.url));
