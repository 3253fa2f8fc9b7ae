// The harness's own test object (bpf/selftest.bpf.c) and its structs declared the way the
// project declares every C struct, so tests can encode keys and values and check layouts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { array, bytes, struct, u16be, u16le, u32le, u64le, u8 } from '../../../model/layout/struct.ts';

export const SELFTEST_OBJ = fileURLToPath(new URL('../../../build/bpf/selftest.o', import.meta.url));

/** The object path, or a clear failure when the BPF build has not run. */
export function selftestObject(): string {
  if (!existsSync(SELFTEST_OBJ)) throw new Error(`${SELFTEST_OBJ} is missing: build it with \`make -C bpf\``);
  return SELFTEST_OBJ;
}

export const stKey = struct('st_key', 12, [
  ['vni', u32le, 0],
  ['mac', bytes(6), 4],
  ['port', u16be, 10],
]);

export const stInner = struct('st_inner', 8, [
  ['a', u16le, 0],
  ['b', u8, 2],
  ['c', u32le, 4],
]);

export const stValue = struct('st_value', 40, [
  ['verdict', u32le, 0],
  ['port', u16be, 4],
  ['mtu', u16le, 6],
  ['bytes', u64le, 8],
  ['inner', array(stInner, 2), 16],
  ['tag', bytes(4), 32],
]);

export const stLast = struct('st_last', 16, [
  ['action', u32le, 0],
  ['ingress_ifindex', u32le, 4],
  ['rx_queue_index', u32le, 8],
  ['len', u32le, 12],
]);

/** A 60-byte frame whose byte i is i: every rewrite shows. */
export function countingFrame(len = 60): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = i & 0xff;
  return f;
}
