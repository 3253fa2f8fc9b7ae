// The libbpf binding's public surface.
export { BpfError, errnoName, errnoNumber, type BpfErrorInit, type BpfSubject } from './errors.ts';
export {
  BPF_F_MMAPABLE,
  BpfMap,
  MAP_TYPES,
  numPossibleCpus,
  u32,
  readU32,
  type MapInfo,
  type MappedArray,
  type UpdateFlag,
} from './map.ts';
export { BpfObject, type BpfProgram, type OpenOptions } from './object.ts';
export { ifindexExists, xdpAttach, xdpAttachLink, xdpDetach, xdpQueryId, type AttachOptions, type XdpLink, type XdpMode } from './xdp.ts';
export { Btf, type BtfMember, type BtfShape, type BtfStruct } from './btf.ts';
export { libbpfMessages, clearLibbpfMessages } from './native.ts';
