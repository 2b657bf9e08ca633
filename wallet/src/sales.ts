/** The student's payments (GET /v1/me/sales) and debts (GET /v1/me/debts), and what they mean in words. */
import { AnswerError, Fields } from './fields.js';
import { yuan } from './money.js';
import { formatShortTime } from './time.js';

/** What the ledger made of a payment (who paid for it is its funding, decided seconds later). */
export type Outcome = 'settled' | 'double-spend' | 'rejected';

/** A payment at a stall. */
export interface Sale {
  readonly paymentId: string;
  /** Unknown (null) when the ledger has the postings but not the payment record. */
  readonly terminalId: string | undefined;
  readonly at: number | undefined;
  readonly amount: string;
  readonly outcome: Outcome;
  readonly reason: string | undefined;
  readonly flags: readonly string[];
  /** `pending` until the ledger's fold decides what paid: the wallet, the credit line, or an advance. */
  readonly funding: { readonly wallet: string; readonly credit: string; readonly advance: string } | 'pending' | undefined;
  readonly points: string | undefined;
}

/** An advance: money the operator paid a stall for the student. */
export interface Advance {
  readonly paymentId: string;
  readonly at: number | undefined;
  readonly terminalId: string | undefined;
  readonly amount: string;
  readonly outstanding: string;
  readonly reason: string;
}

/** GET /v1/me/debts. */
export interface Debts {
  readonly advance: string;
  readonly creditUsed: string;
  readonly debtSince: number | null;
  readonly advances: readonly Advance[];
}

const OUTCOMES: readonly Outcome[] = ['settled', 'double-spend', 'rejected'];

function parseSale(value: unknown, what: string): Sale {
  const f = Fields.of(value, what);
  const outcome = OUTCOMES.find((o) => o === f.string('outcome'));
  if (outcome === undefined) throw new AnswerError(`${what}.outcome is not one the wallet knows`);
  const pending = f.raw('funding') === 'pending';
  const funding = pending ? undefined : f.optObject('funding');
  return {
    paymentId: f.string('paymentId'), terminalId: f.optString('terminalId'), at: f.has('at') ? f.time('at') : undefined, amount: f.minor('amount'), outcome,
    reason: f.optString('reason'), flags: f.strings('flags'),
    funding: pending ? 'pending' : funding === undefined ? undefined : { wallet: funding.minor('wallet'), credit: funding.minor('credit'), advance: funding.minor('advance') },
    points: f.has('points') ? f.count('points') : undefined,
  };
}

/** Reads GET /v1/me/sales. */
export function parseSales(value: unknown): Sale[] {
  return Fields.of(value, 'sales answer').list('sales', parseSale, 1000);
}

/** Reads GET /v1/me/debts. */
export function parseDebts(value: unknown): Debts {
  const f = Fields.of(value, 'debts');
  return {
    advance: f.minor('advance'), creditUsed: f.minor('creditUsed'), debtSince: f.has('debtSince') ? f.time('debtSince') : null,
    advances: f.list('advances', (v, what) => {
      const a = Fields.of(v, what);
      return {
        paymentId: a.string('paymentId'), at: a.has('at') ? a.time('at') : undefined, terminalId: a.optString('terminalId'),
        amount: a.minor('amount'), outstanding: a.minor('outstanding'), reason: a.string('reason'),
      };
    }, 1000),
  };
}

/** A payment's outcome in a few words, with what paid for it once the ledger decided. */
export function outcomeWords(outcome: Outcome, funding?: Sale['funding']): string {
  switch (outcome) {
    case 'settled':
      if (funding === 'pending') return 'Paid, being booked';
      return funding !== undefined && /^[1-9]/.test(funding.advance) ? 'Paid, partly by an advance' : 'Paid';
    case 'double-spend':
      return 'Code used twice';
    case 'rejected':
      return 'Refused';
    default:
      return assertNever(outcome);
  }
}

/** An exhaustive switch's last case. */
export function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

/** Explains an advance in plain words, using the payment it came from when the wallet knows it. */
export function explainAdvance(advance: Advance, sale: Sale | undefined, timeZone: string): string {
  const terminal = sale?.terminalId ?? advance.terminalId;
  const at = sale?.at ?? advance.at;
  const where = `${terminal === undefined ? '' : ` at ${terminal}`}${at === undefined ? '' : ` on ${formatShortTime(at, timeZone)}`}`;
  const owed = advance.outstanding === advance.amount ? '' : ` ${yuan(advance.outstanding)} of it is still to be paid back.`;
  if (sale?.outcome === 'double-spend' || advance.reason === 'double-spend') {
    return `The same payment code was used twice: the second time${where}, for ${yuan(advance.amount)} more than you had. ` +
      `The card operator paid the stall for you; this is taken from your next top-up first.${owed}`;
  }
  return `You spent ${yuan(advance.amount)} more than you had${where}. The card operator paid the stall for you; this is taken from your next top-up first.${owed}`;
}

/** Explains a double spend in plain words. */
export function explainDoubleSpend(sale: Sale, timeZone: string): string {
  const where = `${sale.terminalId === undefined ? '' : ` at ${sale.terminalId}`}${sale.at === undefined ? '' : ` on ${formatShortTime(sale.at, timeZone)}`}`;
  return `The same payment code was used twice: the code shown${where} for ${yuan(sale.amount)} had already paid at another stall. ` +
    'Both payments are charged to you, and that code\'s phone or card is blocked at every stall. If you did not show the code twice, someone copied it: report the phone lost.';
}
