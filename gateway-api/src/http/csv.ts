/**
 * The lists auditors see, as CSV files (`?format=csv` on the routes that declare a `csv` view):
 * RFC 4180 (CRLF, quotes doubled), UTF-8, a header row. Amounts stay decimal strings of minor units,
 * exactly as the JSON answers them; each time in ms gets an ISO 8601 UTC column beside it. A text
 * cell a spreadsheet would run as a formula (=, +, -, @ not followed by a number) gets an apostrophe in front.
 */

/** Fields holding ledger times (ms since the epoch): each gets `<field>Utc` beside it. */
const TIME_FIELDS = new Set(['at', 'asOf', 'since', 'opened', 'paidAt', 'receivedAt', 'lostAt', 'foundAt']);
/** What a spreadsheet reads as "this is text": one apostrophe in front. */
const TEXT_MARK = String.fromCharCode(39);

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?[0-9]+(\.[0-9]+)?$/.test(text) ? TEXT_MARK + text : text;
  return /[\u0022,\r\n]/.test(safe) ? `"${safe.replace(/\u0022/g, '""')}"` : safe;
}

/** Flat records as CSV: the columns are every field in order of first appearance. */
export function toCsv(records: readonly Record<string, unknown>[]): string {
  const columns: string[] = [];
  const rows = records.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) {
      out[k] = v;
      if (TIME_FIELDS.has(k) && typeof v === 'number' && Number.isFinite(v)) out[`${k}Utc`] = new Date(v).toISOString();
    }
    for (const k of Object.keys(out)) if (!columns.includes(k)) columns.push(k);
    return out;
  });
  return [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].map((line) => `${line}\r\n`).join('');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** How a route's JSON answer becomes rows: the CSV views. */
export const CSV_VIEWS = {
  /** One row per posting of the statement, with its transaction and time. */
  statement: (body: unknown): Record<string, unknown>[] => records(isRecord(body) ? body.entries : undefined)
    .flatMap((e) => records(e.postings).map((p) => ({ account: isRecord(body) ? body.account : '', at: e.at, txId: e.txId, from: p.from, to: p.to, amount: p.amount, ref: p.ref }))),
  /** The payments as answered. */
  payments: (body: unknown): Record<string, unknown>[] => records(body),
  /** One row per open debt. */
  debts: (body: unknown): Record<string, unknown>[] => records(isRecord(body) ? body.debts : undefined).map((d) => ({ ...d, asOf: isRecord(body) ? body.asOf : undefined })),
  /** One row per account: fronted, recovered, outstanding (the lines behind them are in the JSON answer). */
  advances: (body: unknown): Record<string, unknown>[] => records(body).map((a) => Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'lines'))),
  /** One row per loss report. */
  lossReports: (body: unknown): Record<string, unknown>[] => records(body),
  /** One row per account with live certificates: its exposure. */
  exposure: (body: unknown): Record<string, unknown>[] => records(isRecord(body) ? body.byAccount : undefined).map((r) => ({ ...r, asOf: isRecord(body) ? body.asOf : undefined })),
  /** One row per statement line of the payout. */
  payout: (body: unknown): Record<string, unknown>[] => {
    if (!isRecord(body)) return [];
    const { lines, ...head } = body;
    return records(lines).map((l) => ({ payoutId: head.payoutId, merchantId: head.merchantId, ...l }));
  },
} as const;

export type CsvView = keyof typeof CSV_VIEWS;
