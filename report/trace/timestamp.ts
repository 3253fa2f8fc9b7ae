// Capture timestamps as UTC text with nanoseconds, for any value a capture can hold.
// pcapng's if_tsoffset is a signed 64-bit count of seconds and the units a 64-bit count, so
// a valid file can name a time millions of years from 1970 either way: far outside what
// JavaScript's Date holds (±8.64e15 ms). The calendar is done in bigint here instead
// (proleptic Gregorian, days to civil date after Howard Hinnant's algorithm).

const NS_PER_S = 1_000_000_000n;
const S_PER_DAY = 86_400n;

/** floor(a / b) for bigint, b > 0 (bigint division truncates towards zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function civil(days: bigint): { y: bigint; m: bigint; d: bigint } {
  const z = days + 719_468n;
  const era = floorDiv(z, 146_097n);
  const doe = z - era * 146_097n;
  const yoe = (doe - doe / 1_460n + doe / 36_524n - doe / 146_096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  return { y: yoe + era * 400n + (m <= 2n ? 1n : 0n), m, d };
}

const two = (n: bigint): string => n.toString().padStart(2, '0');

/** `2024-01-01T00:00:00.000000001Z`; years outside 0000–9999 are written with their sign. */
export function formatTimestamp(ns: bigint): string {
  const sec = floorDiv(ns, NS_PER_S);
  const frac = ns - sec * NS_PER_S;
  const days = floorDiv(sec, S_PER_DAY);
  const tod = sec - days * S_PER_DAY;
  const { y, m, d } = civil(days);
  const year =
    y >= 0n && y <= 9999n ? y.toString().padStart(4, '0') : `${y < 0n ? '-' : '+'}${(y < 0n ? -y : y).toString().padStart(4, '0')}`;
  return `${year}-${two(m)}-${two(d)}T${two(tod / 3600n)}:${two((tod / 60n) % 60n)}:${two(tod % 60n)}.${frac.toString().padStart(9, '0')}Z`;
}
