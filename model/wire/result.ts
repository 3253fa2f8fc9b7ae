// The codec boundary: parsing untrusted bytes returns one of these instead of throwing, so a
// malformed frame becomes a drop reason or a dissector note, never a crash.

export interface WireError {
  /** Protocol layer that rejected the bytes, e.g. 'IPv4', 'Geneve'. */
  readonly layer: string;
  /** Field at fault, when one field is to blame. */
  readonly field?: string;
  /** Byte offset of the problem, relative to the `base` the caller passed in. */
  readonly offset: number;
  readonly message: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail(error: WireError): { readonly ok: false; readonly error: WireError } {
  return { ok: false, error };
}

export function wireError(layer: string, offset: number, message: string, field?: string): WireError {
  return field === undefined ? { layer, offset, message } : { layer, field, offset, message };
}

export function truncated(layer: string, offset: number, need: number, have: number, field?: string): WireError {
  return wireError(layer, offset, `truncated: need ${need} bytes, have ${have}`, field);
}

/** `0x` and lowercase hex, zero-padded to `digits`: the spelling of unknown code values. */
export function hex(value: number, digits = 4): string {
  return '0x' + (value >>> 0).toString(16).padStart(digits, '0');
}
