// Text into HTML and SVG. Everything a scenario or a packet controls (names, payload
// summaries, messages) goes through here: a report must not run what it displays.
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A fixed palette, one colour per VPC in file order; readable on white, distinct enough, and
 * never a red: red means an error in this report (failures, drops, leaks), and a tenant is
 * not one. A test keeps every entry's hue away from the error red.
 */
export const PALETTE = ['#2f6fb3', '#27865f', '#8e44ad', '#b9770e', '#138d90', '#7f8c2d', '#b03a78', '#5d6d7e'];

/** The colour that means "wrong" everywhere in the report. */
export const ERROR_RED = '#c0392b';

export function vpcColour(index: number): string {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** An id safe in HTML attributes and CSS selectors. */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-');
}
