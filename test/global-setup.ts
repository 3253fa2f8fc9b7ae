// Runs once before all test files. Announces a model-only run loudly, and in a full run
// checks up front that the BPF objects were built, so a missing toolchain is one clear
// message rather than a hundred confusing failures.
import { existsSync } from 'node:fs';

export default function setup(): void {
  if (process.env.TWINPLANE_MODEL_ONLY === '1') {
    process.stderr.write(
      "\n*** twinplane: MODEL-ONLY run (TWINPLANE_MODEL_ONLY=1): every suite that needs the kernel's BPF is SKIPPED. ***\n\n",
    );
    return;
  }
  if (!existsSync('build/bpf/dataplane.o')) {
    process.stderr.write(
      '\n*** twinplane: build/bpf/dataplane.o is missing: run `bash scripts/setup.sh` as root. BPF suites will fail. ***\n\n',
    );
  }
}
