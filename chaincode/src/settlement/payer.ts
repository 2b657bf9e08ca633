import type { AccountId } from '../core/ids';
import type { AccountState, AccountStatus, CertRecord } from './account';

/** What settlement needs to know of one medium of a payer: its denial and its recorded certificates. */
export interface PayerMedium {
  /** Deny-list version from which terminals must refuse this medium, if any. */
  readonly deniedAt?: number;
  /** Recorded certificates by their `ctrFrom`. */
  readonly certs?: Readonly<Record<string, CertRecord>>;
}

/**
 * What settlement needs of an account, and only that (docs/settlement.md, "Funding at the fold"):
 * its status, its denial, whether its direct-debit agreement is live, and per medium its denial and
 * certificates. It is kept under a key of its own (`payer/<id>`) that only the transactions that
 * change these facts write (issuance, loss reports, agreements, clearance, deny-list entries); a
 * fold or a top-up changes none of them, so a settlement that read it is never invalidated by one.
 */
export interface PayerView {
  readonly id: AccountId;
  readonly status: AccountStatus;
  readonly deniedAt?: number;
  readonly agreementLive: boolean;
  readonly media: Readonly<Record<string, PayerMedium>>;
}

/** The payer view of an account. */
export function payerOf(a: AccountState): PayerView {
  const media: Record<string, PayerMedium> = {};
  for (const [mediaId, m] of Object.entries(a.media)) {
    // A medium the fold only counted spend on has nothing settlement reads: left out, so that the
    // fold never changes the view.
    if (m.deniedAt === undefined && m.certs === undefined) continue;
    media[mediaId] = { ...(m.deniedAt === undefined ? {} : { deniedAt: m.deniedAt }), ...(m.certs === undefined ? {} : { certs: m.certs }) };
  }
  return {
    id: a.id, status: a.status, ...(a.deniedAt === undefined ? {} : { deniedAt: a.deniedAt }),
    agreementLive: a.agreement?.status === 'live', media,
  };
}

/** A payer's medium; own properties only, so an id like "constructor" is safe. */
export function payerMedium(p: PayerView, mediaId: string): PayerMedium | undefined {
  return Object.hasOwn(p.media, mediaId) ? p.media[mediaId] : undefined;
}
