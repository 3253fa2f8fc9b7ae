// Offload switches through the legacy SIOCETHTOOL ioctl, so no `ethtool` binary is needed.
// Why live mode cares: a pod's kernel hands TCP/UDP to its veth with checksums left to
// the "hardware" (CHECKSUM_PARTIAL). Once an XDP program redirects that frame the
// metadata is gone and the receiver sees a wrong checksum and drops it. So pod veths get
// tx checksumming off (which also turns off TSO/GSO segments the XDP path would drop).
import koffi from 'koffi';
import { libc as sockLibc } from '../libbpf/native.ts';
import { inNetns } from '../netns.ts';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SIOCETHTOOL = 0x8946;
const IFNAMSIZ = 16;
// struct ifreq is 40 bytes on 64-bit: the name, then a union whose pointer sits at 16.
const IFREQ_SIZE = 40;

/** Get/set command pairs from linux/ethtool.h (each takes a struct ethtool_value). */
export const OFFLOADS = {
  rxChecksum: [0x14, 0x15],
  txChecksum: [0x16, 0x17],
  scatterGather: [0x18, 0x19],
  tso: [0x1e, 0x1f],
  gso: [0x23, 0x24],
  gro: [0x2b, 0x2c],
} as const;

export type Offload = keyof typeof OFFLOADS;
export type OffloadState = Record<Offload, boolean>;

function ethtoolValue(fd: number, ifname: string, cmd: number, data: number): number {
  const value = new Uint32Array([cmd, data]);
  const ifr = new Uint8Array(IFREQ_SIZE);
  new TextEncoder().encodeInto(ifname, ifr.subarray(0, IFNAMSIZ - 1));
  // ifr_data must hold the address of `value`: koffi gives it while the call lasts only,
  // so the address goes in through a pointer-sized view of a koffi-owned copy.
  const buf = koffi.alloc('uint32_t', 2);
  try {
    koffi.encode(buf, 'uint32_t', Array.from(value), 2);
    const addr = koffi.address(buf);
    new DataView(ifr.buffer).setBigUint64(IFNAMSIZ, BigInt(addr), true);
    const rc = sockLibc().ioctl(fd, SIOCETHTOOL, 'uint8_t *', ifr);
    if (rc < 0) throw new Error(`ethtool ioctl 0x${cmd.toString(16)} on ${ifname}: errno ${koffi.errno()}`);
    const out = koffi.decode(buf, 'uint32_t', 2) as number[];
    return out[1];
  } finally {
    koffi.free(buf);
  }
}

function withSocket<T>(ns: string, fn: (fd: number) => T): T {
  // The socket is made inside the namespace, so the ioctl finds the interface by name there.
  const fd = inNetns(ns, () => sockLibc().socket(AF_INET, SOCK_DGRAM, 0));
  if (fd < 0) throw new Error(`socket() in ${ns}: errno ${koffi.errno()}`);
  try {
    return fn(fd);
  } finally {
    sockLibc().close(fd);
  }
}

/** Current offload switches of `ifname` in namespace `ns`. */
export function getOffloads(ns: string, ifname: string): OffloadState {
  return withSocket(ns, (fd) => {
    const out = {} as OffloadState;
    for (const [k, [get]] of Object.entries(OFFLOADS)) out[k as Offload] = ethtoolValue(fd, ifname, get, 0) !== 0;
    return out;
  });
}

/** Sets the given switches; returns the state afterwards (the kernel may refuse or couple some). */
export function setOffloads(ns: string, ifname: string, want: Partial<OffloadState>): OffloadState {
  withSocket(ns, (fd) => {
    for (const [k, on] of Object.entries(want)) {
      const [, set] = OFFLOADS[k as Offload];
      ethtoolValue(fd, ifname, set, on ? 1 : 0);
    }
  });
  return getOffloads(ns, ifname);
}

/** What pod veths need under XDP: no checksum offload and no segmentation offloads. */
export const POD_VETH_OFFLOADS: Partial<OffloadState> = { txChecksum: false, tso: false, gso: false };
