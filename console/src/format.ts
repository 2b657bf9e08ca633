/**
 * Money and time for people. Amounts arrive as decimal strings of minor units and are shown by
 * moving the decimal point in the string: never through a float.
 */

/** Minor units per major unit, as the number of decimals (fen: 2). */
export const DECIMALS = 2;

/** "-123456" → "-1,234.56"; refuses anything that is not an integer string. */
export function formatMoney(minor: string, decimals = DECIMALS): string {
  const m = /^(-?)(0|[1-9][0-9]*)$/.exec(minor);
  if (m === null) throw new Error(`not an amount of minor units: ${JSON.stringify(minor)}`);
  const sign = m[1] ?? '';
  const digits = (m[2] ?? '0').padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits.slice(digits.length - decimals);
  return `${sign === '-' && digits !== '0'.repeat(digits.length) ? '-' : ''}${whole}${decimals > 0 ? `.${fraction}` : ''}`;
}

/** Adds decimal strings of minor units exactly (bigint). */
export function sumMinor(values: readonly string[]): string {
  return values.reduce((acc, v) => acc + BigInt(v), 0n).toString();
}

/** Orders decimal strings of minor units exactly (bigint): negative, zero or positive as `a` is below, at or above `b`. */
export function compareMinor(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Points are whole units, not money: "37" → "37 points". */
export function formatPoints(units: string): string {
  const m = /^(-?)(0|[1-9][0-9]*)$/.exec(units);
  if (m === null) throw new Error(`not a number of points: ${JSON.stringify(units)}`);
  return `${m[1] ?? ''}${(m[2] ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',')} points`;
}

/** An amount on a book: points books (`points`, `points:<account>`, `points-issued`, ...) hold points, every other book money. */
export function formatOnBook(book: string, amount: string): string {
  return /^points([:-]|$)|:points(:|$)/.test(book) ? formatPoints(amount) : formatMoney(amount);
}

/** What a student's own books are called on a statement, by the book's class (`wallet:s00042` → "Wallet"). */
const BOOK_NAMES: Readonly<Record<string, string>> = { wallet: 'Wallet', credit: 'Credit line', advance: 'Advance', points: 'Campus points' };

/** A book's name as people read it: the class's name for a student's books, the raw name for any other. */
export function bookName(book: string): string {
  const cls = book.split(':')[0] ?? book;
  return Object.hasOwn(BOOK_NAMES, cls) ? (BOOK_NAMES[cls] ?? book) : book;
}

/** The campus zone's offset at a time, as people read it: "UTC+8", "UTC", "UTC-3:30". */
export function zoneLabel(ms: number, timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const label = name.replace(/^GMT/, 'UTC');
  return label === 'UTC+0' ? 'UTC' : label;
}

function wallClock(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** A ledger time (ms since the epoch) in the campus's time zone, with its offset: "2026-12-01 12:03:04 UTC+8". */
export function formatTime(ms: number, timeZone: string): string {
  return `${wallClock(ms, timeZone)} ${zoneLabel(ms, timeZone)}`;
}

/** The minute (in the campus's time zone) a time falls in: "12:03". */
export function minuteOf(ms: number, timeZone: string): string {
  return wallClock(ms, timeZone).slice(11, 16);
}

/**
 * A long identifier (a medium id is its kind and a 43-character key thumbprint) as people scan it:
 * its head and tail around an ellipsis, "w-Puivo2NM…3Fz0"; short ones unchanged.
 */
export function shortId(id: string, head = 10, tail = 4): string {
  return id.length <= head + tail + 1 ? id : `${id.slice(0, head)}…${id.slice(id.length - tail)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** What the money of a sale came from, by the funding's `kind` (the guarantee fund's advance if it fronted any). */
const FUNDING_KINDS: Readonly<Record<string, string>> = { wallet: 'the wallet', credit: 'the credit line', advance: 'an advance' };

/**
 * A payment's funding from its `GET /v1/payments/{paymentId}` answer, as people read it: `pending`
 * until the ledger's fold decides who pays (seconds after settlement), then where the money came
 * from with the split, the points and the fold's flags; "not paid" for a payment that moved no
 * money. '' when the answer says nothing of funding.
 */
export function formatFunding(answer: unknown): string {
  const funding = isObject(answer) ? answer.funding : undefined;
  if (funding === undefined) return '';
  if (funding === null) return 'not paid';
  if (funding === 'pending') return 'pending (decided at the fold, seconds after settlement)';
  if (!isObject(funding) || typeof funding.kind !== 'string' || !Object.hasOwn(FUNDING_KINDS, funding.kind)) return `unknown (${JSON.stringify(funding)})`;
  // A field the ledger left out shows as '?', never as a made-up zero.
  const money = (key: string): string => {
    const minor = funding[key];
    return typeof minor === 'string' ? formatMoney(minor) : '?';
  };
  const flags = Array.isArray(funding.flags) ? funding.flags.filter((f): f is string => typeof f === 'string') : [];
  return [
    `by ${FUNDING_KINDS[funding.kind] ?? funding.kind}: wallet ${money('wallet')}, credit line ${money('credit')}, advance ${money('advance')}`,
    typeof funding.points === 'string' ? formatPoints(funding.points) : '? points',
    ...(flags.length === 0 ? [] : [`flags ${flags.join(', ')}`]),
  ].join('; ');
}
