import { Amount } from '../core/amount';
import { DomainError } from '../core/errors';
import { FieldReader } from '../core/fields';
import type { AccountState } from './account';
import { book, posting, type Posting } from './books';

/** The debts clearance must resolve: the operator's advances and the school's credit line. */
export type DebtKind = 'advance' | 'credit';
/** How one debt is resolved at graduation (DESIGN §5, Graduation clearance). */
export type Resolution = 'collected' | 'waived' | 'referred';

/** One resolution as the registrar records it. */
export interface DebtResolution {
  readonly debt: DebtKind;
  readonly resolution: Resolution;
  /** Receipt number for collected, decision for waived, credit-system case for referred. */
  readonly reference: string;
}

/** Parses the registrar's list of resolutions: at most one per debt kind. */
export function parseResolutions(value: unknown): DebtResolution[] {
  if (!Array.isArray(value) || value.length > 2) throw new DomainError('INVALID_FIELD', 'resolutions must be a list of at most 2', { field: 'resolutions' });
  const out = value.map((item: unknown) => {
    const r = FieldReader.of(item, 'resolution', ['debt', 'resolution', 'reference']);
    return {
      debt: r.oneOf('debt', ['advance', 'credit'] as const),
      resolution: r.oneOf('resolution', ['collected', 'waived', 'referred'] as const),
      reference: r.string('reference', /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'a reference of 1-128 characters'),
    };
  });
  if (new Set(out.map((r) => r.debt)).size !== out.length) throw new DomainError('INVALID_FIELD', 'one resolution per debt', { field: 'resolutions' });
  return out;
}

/** Starts clearance: the account will be deny-listed; offline sales still arriving keep settling. */
export function beginClearance(account: AccountState, denyVersion: number): AccountState {
  if (account.status !== 'active') throw new DomainError('WRONG_ACCOUNT_STATE', `account ${account.id} is ${account.status}; clearance begins only on an active account`, { field: 'status' });
  return { ...account, status: 'clearing', deniedAt: denyVersion };
}

/** What completing clearance did, for the registrar's record. */
export interface ClearanceResult {
  readonly account: AccountState;
  readonly postings: readonly Posting[];
  readonly resolved: readonly (DebtResolution & { readonly amount: Amount })[];
  readonly refunded: Amount;
  readonly pointsExpired: Amount;
}

const SOURCE: Record<Resolution, string> = {
  collected: book.topUpClearing, // paid at the desk: money comes in like a top-up
  waived: book.writeOffs, // the school absorbs it
  referred: book.referred, // handed to the credit system, still owed there
};

/**
 * Completes clearance: every open debt needs exactly one resolution; a positive balance is
 * refunded; points expire; the account closes. Refuses (changing nothing) if a debt is unresolved.
 */
export function completeClearance(account: AccountState, resolutions: readonly DebtResolution[], ref: string): ClearanceResult {
  if (account.status !== 'clearing') throw new DomainError('WRONG_ACCOUNT_STATE', `account ${account.id} is ${account.status}; clearance completes only after it began (POST /v1/clearances/{account}/begin)`, { field: 'status' });
  const open: Record<DebtKind, Amount> = { advance: account.advance, credit: account.creditUsed };
  const postings: Posting[] = [];
  const resolved: (DebtResolution & { amount: Amount })[] = [];
  for (const debt of ['advance', 'credit'] as const) {
    const amount = open[debt];
    const r = resolutions.find((x) => x.debt === debt);
    if (amount.isZero()) {
      if (r !== undefined) throw new DomainError('INVALID_FIELD', `no ${debt} debt to resolve`, { field: 'resolutions' });
      continue;
    }
    if (r === undefined) throw new DomainError('MISSING_FIELD', `the ${debt} debt of ${amount.toString()} needs a resolution`, { field: 'resolutions' });
    postings.push(posting(SOURCE[r.resolution], debt === 'advance' ? book.advance(account.id) : book.credit(account.id), amount, `${ref}:${debt}`));
    resolved.push({ ...r, amount });
  }
  if (account.wallet.gt(Amount.ZERO)) postings.push(posting(book.wallet(account.id), book.refunds, account.wallet, `${ref}:refund`));
  if (account.points.gt(Amount.ZERO)) postings.push(posting(book.points(account.id), book.pointsExpired, account.points, `${ref}:points-expired`));
  return {
    account: { ...account, status: 'closed', advance: Amount.ZERO, creditUsed: Amount.ZERO, wallet: Amount.ZERO, points: Amount.ZERO, pointsLots: {} },
    postings, resolved, refunded: account.wallet, pointsExpired: account.points,
  };
}
