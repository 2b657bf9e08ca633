/**
 * The lists auditors see, as CSV files (`?format=csv` on the routes that declare a `csv` view):
 * RFC 4180 (CRLF, quotes doubled), UTF-8, a header row. Amounts stay decimal strings of minor units,
 * exactly as the JSON answers them; each time in ms gets an ISO 8601 UTC column beside it. A text
 * cell a spreadsheet would run as a formula (=, +, -, @ not followed by a number) gets an apostrophe in front.
 * An empty list is the header row alone.
 */

/** Fields holding ledger times (ms since the epoch): each gets `<field>Utc` beside it. */
const TIME_FIELDS = new Set(['at', 'asOf', 'oldestAt', 'since', 'opened', 'paidAt', 'receivedAt', 'lostAt', 'foundAt']);
/** What a spreadsheet reads as "this is text": one apostrophe in front. */
const TEXT_MARK = String.fromCharCode(39);

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(value);
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?[0-9]+(\.[0-9]+)?$/.test(text) ? TEXT_MARK + text : text;
  return /[\u0022,\r\n]/.test(safe) ? `"${safe.replace(/\u0022/g, '""')}"` : safe;
}

/** Each declared time field followed by its UTC column. */
const withUtc = (fields: readonly string[]): string[] => fields.flatMap((f) => (TIME_FIELDS.has(f) ? [f, `${f}Utc`] : [f]));

/**
 * Flat records as CSV. The header is the declared columns (so that an empty list still has one),
 * then any other field in order of first appearance (a field the ledger adds later is never dropped).
 */
export function toCsv(records: readonly Record<string, unknown>[], declared: readonly string[] = []): string {
  const columns = withUtc(declared);
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

/** Who acted on a staff write (the ledger's `by`: docs/gateway.md, "Who acted") as columns. */
const BY_COLUMNS = ['bySubject', 'byRole', 'byOrg'] as const;
const byColumns = (by: unknown): Record<string, unknown> => (isRecord(by) ? { bySubject: by.subject, byRole: by.role, byOrg: by.mspId } : {});

/** A statement's balances after an entry (`wallet:s1` → walletAfter): one column per book of the account. */
const BALANCE_AFTER_COLUMNS = ['walletAfter', 'creditAfter', 'advanceAfter', 'pointsAfter'] as const;
const balancesAfter = (balances: unknown): Record<string, unknown> =>
  (isRecord(balances) ? Object.fromEntries(Object.entries(balances).map(([k, v]) => [`${k.split(':')[0] ?? k}After`, v])) : {});

/** A list's items, or one empty item where the list is empty: a head (an entry, a payout) keeps its row. */
const itemsOrOne = (v: unknown): Record<string, unknown>[] => {
  const items = records(v);
  return items.length === 0 ? [{}] : items;
};

/** Minor units (a decimal string of an integer) as yuan with two decimals, by string arithmetic: never a float. */
export function yuan(minor: unknown): string {
  if (typeof minor !== 'string' || !/^-?[0-9]+$/.test(minor)) return '';
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2).replace(/^0+(?=[0-9])/, '')}.${digits.slice(-2)}`;
}

/** One list as a file: named after its resource (as the console names its downloads), its columns, its rows. */
interface CsvViewSpec {
  /** The file's name before the path parameters: the resource, never an operation id. */
  readonly file: string;
  /** The fields of a row, in the order the ledger answers them (its JSON keys are sorted), known without a first row. */
  readonly columns: readonly string[];
  readonly rows: (body: unknown) => Record<string, unknown>[];
}

/** How a route's JSON answer becomes rows: the CSV views. */
export const CSV_VIEWS = {
  /**
   * One row per posting of the statement, with its transaction, time, who acted and the account's
   * balances after the transaction; an entry without postings (an account opened) is one row too.
   */
  statement: { file: 'statement', columns: ['account', 'at', 'txId', 'from', 'to', 'amount', 'ref', ...BY_COLUMNS, ...BALANCE_AFTER_COLUMNS],
    rows: (body: unknown): Record<string, unknown>[] => records(isRecord(body) ? body.entries : undefined).flatMap((e) => itemsOrOne(e.postings).map((p) => ({
      account: isRecord(body) ? body.account : '', at: e.at, txId: e.txId, from: p.from, to: p.to, amount: p.amount, ref: p.ref, ...byColumns(e.by), ...balancesAfter(e.balancesAfter),
    }))) },
  /** The payments as answered (account, reason and edge only where the ledger gives them), each merchant named. */
  payments: { file: 'payments', columns: ['account', 'amount', 'at', 'code', 'digest', 'edge', 'merchantId', 'merchantName', 'paymentId', 'reason', 'seq', 'terminalId', 'txId'], rows: (body: unknown): Record<string, unknown>[] => records(body) },
  /** One row per open debt. */
  debts: { file: 'debts', columns: ['account', 'advance', 'ageDays', 'bucket', 'credit', 'group', 'since', 'status', 'asOf'],
    rows: (body: unknown): Record<string, unknown>[] => records(isRecord(body) ? body.debts : undefined).map((d) => ({ ...d, asOf: isRecord(body) ? body.asOf : undefined })) },
  /** One row per line (an advance or a recovery posting) with its account's fronted, recovered and outstanding totals. */
  advances: { file: 'advances', columns: ['account', 'advanced', 'outstanding', 'recovered', 'kind', 'from', 'to', 'amount', 'ref'],
    rows: (body: unknown): Record<string, unknown>[] => records(body).flatMap((a) => {
      const { lines, ...totals } = a;
      return itemsOrOne(lines).map((l) => ({ ...totals, ...l }));
    }) },
  /** One row per loss report. */
  lossReports: { file: 'loss-reports', columns: ['account', 'by', 'denyListVersion', 'foundAt', 'foundBy', 'kind', 'lostAt', 'mediaId', 'reason'], rows: (body: unknown): Record<string, unknown>[] => records(body) },
  /** One row per account with live certificates: its exposure. */
  exposure: { file: 'exposure', columns: ['account', 'exposure', 'liveCertificates', 'asOf'],
    rows: (body: unknown): Record<string, unknown>[] => records(isRecord(body) ? body.byAccount : undefined).map((r) => ({ ...r, asOf: isRecord(body) ? body.asOf : undefined })) },
  /** One row per statement line of the payout (the batch credit paid), with the payout's total, time, transaction and who paid it. */
  payout: { file: 'payout', columns: ['payoutId', 'merchantId', 'merchantName', 'amount', 'at', 'batchSeq', 'terminalId', 'txId', 'total', 'paidAt', 'payoutTxId', 'runId', ...BY_COLUMNS],
    rows: (body: unknown): Record<string, unknown>[] => {
      if (!isRecord(body)) return [];
      const head = { total: body.total, paidAt: body.at, payoutTxId: body.txId, runId: body.runId, ...byColumns(body.by) };
      return itemsOrOne(body.lines).map((l) => ({ payoutId: body.payoutId, merchantId: body.merchantId, merchantName: body.merchantName, ...l, ...head }));
    } },
  /** What each merchant is owed now (GET /v1/merchant-balances): one row per merchant. */
  merchantBalances: { file: 'merchant-balances', columns: ['merchantId', 'name', 'owed', 'credits', 'oldestAt', 'asOf'],
    rows: (body: unknown): Record<string, unknown>[] => records(isRecord(body) ? body.merchants : undefined).map((m) => ({ ...m, asOf: isRecord(body) ? body.asOf : undefined })) },
  /**
   * A payout run as the bank payment file: one transfer per merchant paid, its amount in minor units
   * and in yuan (two decimals, from the integer), the run as the payment reference.
   */
  payoutRun: { file: 'payout-run', columns: ['runId', 'merchantId', 'name', 'amount', 'amountYuan', 'reference', 'credits', 'at'],
    rows: (body: unknown): Record<string, unknown>[] => {
      if (!isRecord(body)) return [];
      return records(body.payouts).map((p) => ({
        runId: body.runId, merchantId: p.merchantId, name: p.name, amount: p.total, amountYuan: yuan(p.total),
        reference: `${String(body.runId)}/${String(p.merchantId)}`, credits: p.lines, at: body.at,
      }));
    } },
  /**
   * The points roll-forward as an accountant's schedule: one row per line (opening, issued,
   * redeemed, expired, closing in points, signed as they move the balance; the money the points
   * fund paid merchants in minor units), each with the period and whether it reconciled.
   */
  pointsRollForward: { file: 'points-roll-forward', columns: ['from', 'to', 'line', 'unit', 'amount', 'reconciled'],
    rows: (body: unknown): Record<string, unknown>[] => {
      if (!isRecord(body)) return [];
      const neg = (v: unknown): unknown => (typeof v === 'string' && v !== '0' ? `-${v}` : v);
      const line = (name: string, unit: string, amount: unknown): Record<string, unknown> => ({ from: body.from, to: body.to, line: name, unit, amount, reconciled: body.reconciled });
      return [
        line('opening', 'points', body.opening), line('issued', 'points', body.issued), line('redeemed', 'points', neg(body.redeemed)),
        line('expired', 'points', neg(body.expired)), line('closing', 'points', body.closing), line('compensated', 'minor', body.compensated),
      ];
    } },
} as const satisfies Record<string, CsvViewSpec>;

export type CsvView = keyof typeof CSV_VIEWS;

/** A route's answer as a CSV file: `<resource>[-<path parameter>...].csv` (statement-s00008.csv) and its text. */
export function csvFile(view: CsvView, body: unknown, pathParams: readonly string[]): { name: string; text: string } {
  const spec: CsvViewSpec = CSV_VIEWS[view];
  const name = [spec.file, ...pathParams].join('-').replace(/[^A-Za-z0-9._-]/g, '_');
  return { name: `${name}.csv`, text: toCsv(spec.rows(body), spec.columns) };
}
