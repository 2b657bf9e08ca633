/**
 * The issuing side's endpoints (docs/wallet.md): students sign in, accept the agreement, get
 * certificates and read their own account; the operator sets the agreement text, personalises
 * cards and records loss reports; auditors read the offline exposure. A student credential names
 * one account: every /v1/me route reads and writes that account only.
 */
import { z } from 'zod';
import {
  Amount, DomainError, assertFresh, isJsonObject, openSelfSignedAsync, parseAccountId, parseAgreementAcceptance, parseCertRequest, parsePublicJwk,
} from '@dol/chaincode';
import { ApiError } from '../errors';
import { activationHash, newActivationCode } from '../intake/student-credentials';
import { IssuanceClient } from '../ledger/issuance-client';
import { ISSUANCE } from '../ledger/issuance-transactions';
import { SETTLEMENT } from '../ledger/settlement-transactions';
import { contractOf, evaluate, id, param, route, type Call, type Route } from './route-kit';

/** A certificate request is signed at most this long before it arrives (or after: clocks drift). */
const REQUEST_WINDOW_MS = 5 * 60_000;
/** A student's sales page shows the newest this many. */
const MAX_SALES = 50;

const issuance = (call: Call): IssuanceClient => new IssuanceClient(call.deps.ledger);
const issuerOf = (call: Call): NonNullable<Call['deps']['issuer']> => {
  if (call.deps.issuer === undefined) throw new ApiError('LEDGER_UNAVAILABLE', 'this gateway runs no issuer service');
  return call.deps.issuer;
};
/** The account a student credential names (the guard already admitted only students). */
const me = (call: Call): string => parseAccountId(call.caller?.subject);
const actor = (call: Call): { subject: string } => ({ subject: call.caller?.role === 'student' ? `student:${call.caller.subject}` : call.caller?.subject ?? '?' });
const ok = (body: unknown, status = 200): { status: number; body: unknown } => ({ status, body });
const field = (v: unknown, k: string): unknown => (isJsonObject(v) ? v[k] : undefined);

/** The student's balances, agreement and media in one answer. */
async function myAccount(call: Call): Promise<unknown> {
  const account = me(call);
  const [a, media] = await Promise.all([contractOf(call).evaluate('operator', SETTLEMENT.GetAccount(account)), issuance(call).media(account)]);
  const amount = (v: string): Amount => Amount.parseNonNegative(v);
  const available = a.status === 'active' ? amount(a.wallet).add(amount(a.creditLine).sub(amount(a.creditUsed)).max(Amount.ZERO)) : Amount.ZERO;
  return {
    account, status: a.status, group: a.group, wallet: a.wallet, creditLine: a.creditLine,
    creditUsed: a.creditUsed, advance: a.advance, points: a.points, available: available.toString(),
    debtSince: a.debtSince, exposure: field(media, 'exposure') ?? '0', agreement: field(media, 'agreement') ?? null, media: field(media, 'media') ?? [],
  };
}

/** A sale as the student sees it: from the statement's postings (how it was paid) and the payment's outcome. */
interface Sale { paymentId: string; amount: Amount; wallet: Amount; credit: Amount; advance: Amount; points: Amount; pending: boolean }

/** A sale as GET /v1/me/sales answers it: `funding` is `pending` until the ledger's fold decides who paid (seconds after settlement). */
interface SaleRow {
  readonly paymentId: string;
  readonly terminalId: string | null;
  readonly at: number | null;
  readonly amount: string;
  readonly outcome: string;
  readonly funding: { readonly wallet: string; readonly credit: string; readonly advance: string } | 'pending';
  readonly points: string;
}

/** Where the money of a sale went from the student's books: the fold's suspense book, or a merchant (before funding at the fold). */
const SALE_SINKS = (to: string): boolean => to === 'charges-awaiting-funding' || to.startsWith('merchant:');

async function mySales(call: Call): Promise<SaleRow[]> {
  const account = me(call);
  const { postings, pending } = await contractOf(call).evaluate('operator', SETTLEMENT.GetStatement(account));
  const sales = new Map<string, Sale>();
  const empty = (ref: string): Sale => ({ paymentId: ref, amount: Amount.ZERO, wallet: Amount.ZERO, credit: Amount.ZERO, advance: Amount.ZERO, points: Amount.ZERO, pending: false });
  const books = { [`wallet:${account}`]: 'wallet', [`credit:${account}`]: 'credit', [`advance:${account}`]: 'advance' } as const;
  for (const { ref, from, to, amount: written } of postings) {
    const amount = Amount.parseNonNegative(written);
    const sale = sales.get(ref) ?? empty(ref);
    const book = Object.hasOwn(books, from) ? books[from as keyof typeof books] : undefined;
    if (book !== undefined && SALE_SINKS(to)) {
      sales.set(ref, { ...sale, amount: sale.amount.add(amount), [book]: sale[book].add(amount) });
    } else if (to === `points:${account}` && sales.has(ref)) sales.set(ref, { ...sale, points: sale.points.add(amount) });
  }
  for (const c of pending) sales.set(c.paymentId, { ...empty(c.paymentId), amount: Amount.parseNonNegative(c.amount), pending: true });
  const newest = [...sales.values()].slice(-MAX_SALES);
  // One query for all of them: the outcome and time of each sale.
  const found = await contractOf(call).evaluate('operator', SETTLEMENT.GetPaymentsById(newest.map((s) => s.paymentId)));
  const rows = newest.map((s, i): SaleRow => {
    const payment = found[i];
    return {
      paymentId: s.paymentId, terminalId: payment?.terminalId ?? null, at: payment?.at ?? null, amount: s.amount.toString(),
      outcome: payment?.code ?? 'settled', funding: s.pending ? 'pending' : { wallet: s.wallet.toString(), credit: s.credit.toString(), advance: s.advance.toString() },
      points: s.points.toString(),
    };
  });
  return rows.sort((x, y) => (y.at ?? 0) - (x.at ?? 0));
}

/** What the student owes and why: each advance, oldest recovered first by top-ups. */
async function myDebts(call: Call): Promise<unknown> {
  const account = me(call);
  const contract = contractOf(call);
  const [a, sales, lines] = await Promise.all([
    contract.evaluate('operator', SETTLEMENT.GetAccount(account)), mySales(call), contract.evaluate('operator', SETTLEMENT.GetAdvances(account)),
  ]);
  let recovered = lines.filter((l) => l.kind === 'recovery').reduce<Amount>((sum, l) => sum.add(Amount.parseNonNegative(l.amount)), Amount.ZERO);
  const outcomes = new Map(sales.map((s) => [s.paymentId, s]));
  const advances = lines.filter((l) => l.kind === 'advance').map((l) => {
    const amount = Amount.parseNonNegative(l.amount);
    const repaid = recovered.min(amount);
    recovered = recovered.sub(repaid);
    const sale = outcomes.get(l.ref);
    return {
      paymentId: l.ref, at: sale?.at ?? null, terminalId: sale?.terminalId ?? null, amount: amount.toString(), outstanding: amount.sub(repaid).toString(),
      reason: sale?.outcome === 'double-spend' ? 'double-spend' : 'overspend',
    };
  });
  return { account, advance: a.advance, creditUsed: a.creditUsed, debtSince: a.debtSince, recoveredBy: 'the next top-up, before anything reaches the wallet', advances };
}

/** New one-time codes for these accounts: their hashes recorded on the ledger by finance, the codes answered once. */
/** One-time codes for `accounts`, and the transaction that recorded their hashes (another organisation's gateway sees them once its peer has it). */
async function issueCodes(call: Call, accounts: readonly string[]): Promise<{ txId: string; codes: { account: string; code: string; expiresAt: string }[] }> {
  const codes = accounts.map((account) => ({ account: parseAccountId(account), code: newActivationCode() }));
  const { txId, issued } = await issuance(call).issueActivations(codes.map((c) => ({ account: c.account, codeHash: activationHash(c.account, c.code) })), actor(call));
  return { txId, codes: codes.map((c, i) => ({ account: c.account, code: c.code, expiresAt: new Date(issued[i]?.expiresAt ?? 0).toISOString() })) };
}

/** The medium must be one of the student's own: another account's is NOT_FOUND, never a hint that it exists. */
async function ownMedium(call: Call, mediaId: string): Promise<void> {
  const media = field(await issuance(call).media(me(call)), 'media');
  if (!Array.isArray(media) || !media.some((m) => field(m, 'mediaId') === mediaId)) throw new ApiError('NOT_FOUND', `you have no medium ${mediaId}`);
}

/** A compact JWS a student's wallet signed. */
const JWS = z.string().min(1).max(16 * 1024);

/** The student's and the issuing side's endpoints. */
export const STUDENT_ROUTES: readonly Route[] = [
  { id: 'issueActivationCode', method: 'post', path: '/v1/accounts/{account}/activation-codes', roles: ['finance'], ok: [201],
    summary: "A one-time code a student signs in with (where the campus has no OpenID Connect provider): shown once, only its hash goes to the ledger; valid 7 days; replaces the account's earlier code",
    handle: async (call) => {
      const { txId, codes } = await issueCodes(call, [param(call, 'account')]);
      return ok({ ...codes[0], txId }, 201);
    } },
  route({ id: 'issueActivationCodes', method: 'post', path: '/v1/activation-codes', bodyLimit: 'import', roles: ['finance'], ok: [201],
    summary: 'One-time sign-in codes for up to 500 accounts in one ledger transaction (an enrolment); all or nothing',
    body: z.strictObject({ accounts: z.array(id).min(1).max(500) }),
    handle: async (call) => ok(await issueCodes(call, call.body.accounts), 201) }),
  route({ id: 'activateStudent', method: 'post', path: '/v1/student-activations', roles: 'public',
    // A whole cohort activates at once from behind one campus address; a code has ~60 bits and names
    // one account, so guessing online is hopeless and a per-address limit would only refuse students.
    throttle: false, ok: [201], summary: "Sign in with an activation code: answers the student's bearer token (this answer only), valid 30 days",
    body: z.strictObject({ account: id, code: z.string().min(8).max(32) }),
    handle: async (call) => {
      const b = call.body;
      return ok(await call.deps.store.students.redeem(b.account, b.code, await issuance(call).activation(b.account)), 201);
    } }),
  { id: 'signOut', method: 'delete', path: '/v1/me/session', roles: ['student'], ok: [200], summary: "End this sign-in: the token is refused from the next request on",
    handle: async (call) => {
      await call.deps.store.students.revoke(call.caller?.tokenSha256 ?? '');
      return ok({ signedOut: true });
    } },
  { id: 'getAgreement', method: 'get', path: '/v1/agreement', roles: 'public', ok: [200], summary: 'The direct-debit agreement in force: version, SHA-256 of its UTF-8 text, and the text',
    handle: async (call) => ok(await issuance(call).agreementText()) },
  route({ id: 'setAgreement', method: 'put', path: '/v1/agreement', roles: ['operator'], ok: [200], summary: 'Set a new version of the agreement text; students accept each version anew for new certificates',
    body: z.strictObject({ text: z.string().min(1).max(32 * 1024) }),
    handle: async (call) => ok(await issuance(call).setAgreementText(call.body.text, actor(call))) }),
  { id: 'getMe', method: 'get', path: '/v1/me', roles: ['student'], ok: [200], summary: 'My balances, points, debts, agreement, media and certificates', handle: async (call) => ok(await myAccount(call)) },
  { id: 'getMySales', method: 'get', path: '/v1/me/sales', roles: ['student'], ok: [200], summary: 'My newest 50 sales with their outcome, how each was paid and the points earned',
    handle: async (call) => ok({ sales: await mySales(call) }) },
  { id: 'getMyDebts', method: 'get', path: '/v1/me/debts', roles: ['student'], ok: [200], summary: 'What I owe and why: each advance the operator fronted, and what is still outstanding',
    handle: async (call) => ok(await myDebts(call)) },
  route({ id: 'acceptAgreement', method: 'post', path: '/v1/me/agreement', roles: ['student'], ok: [200],
    summary: 'Accept the agreement in force: a JWS signed by the wallet key over {typ:"agreement", v:1, account, version, textHash, jwk, iat}; recorded on the ledger',
    body: z.strictObject({ acceptance: JWS }),
    handle: async (call) => {
      const acceptance = call.body.acceptance;
      const { doc } = await openSelfSignedAsync(acceptance, parseAgreementAcceptance, 'agreement acceptance');
      if (doc.account !== me(call)) throw new ApiError('ACCESS_DENIED', 'an acceptance names the account of the student who signs it');
      assertFresh(doc.iat, Date.now(), 86_400_000, 'the acceptance');
      return ok(await issuerOf(call).recordAgreement(doc.account, acceptance));
    } }),
  { id: 'withdrawAgreement', method: 'delete', path: '/v1/me/agreement', roles: ['student'], ok: [200],
    summary: 'Withdraw my agreement: my live certificates are revoked and my media deny-listed at once',
    handle: async (call) => ok(await issuance(call).withdrawAgreement(me(call), actor(call))) },
  route({ id: 'requestCertificate', method: 'post', path: '/v1/me/certificates', roles: ['student'], ok: [201],
    summary: 'A certificate for my wallet key: a JWS signed by that key over {typ:"cert-request", v:1, account, jwk, iat}; limits from my own money; recorded on the ledger before it is answered',
    body: z.strictObject({ request: JWS }),
    handle: async (call) => {
      const { doc } = await openSelfSignedAsync(call.body.request, parseCertRequest, 'certificate request');
      if (doc.account !== me(call)) throw new ApiError('ACCESS_DENIED', 'a certificate request names the account of the student who signs it');
      assertFresh(doc.iat, Date.now(), REQUEST_WINDOW_MS, 'the certificate request');
      return ok(await issuerOf(call).certify(doc.account, doc.jwk, 'wallet'), 201);
    } }),
  { id: 'reportMyMediumLost', method: 'post', path: '/v1/me/media/{mediaId}/lost', roles: ['student'], ok: [200],
    summary: 'Report one of my media lost (挂失): deny-listed at once, its certificates revoked; the key never comes back',
    handle: async (call) => {
      const mediaId = param(call, 'mediaId');
      await ownMedium(call, mediaId);
      return ok(await issuance(call).reportMedium({ mediaId, status: 'lost', reason: 'reported by the student', account: me(call) }, actor(call)));
    } },
  route({ id: 'reportMediumLost', method: 'post', path: '/v1/media/{mediaId}/lost', roles: ['operator'], ok: [200], summary: 'Report a medium lost (挂失) at the desk: deny-listed in one transaction, its certificates revoked; who and when recorded',
    body: z.strictObject({ reason: z.string().max(256).optional() }),
    handle: async (call) => ok(await issuance(call).reportMedium({ mediaId: param(call, 'mediaId'), status: 'lost', reason: call.body.reason ?? '' }, actor(call))) }),
  route({ id: 'reportMediumFound', method: 'post', path: '/v1/media/{mediaId}/found', roles: ['operator'], ok: [200], summary: 'Record that a lost medium was found: it stays refused (its key never comes back); the student certifies a new one',
    body: z.strictObject({ reason: z.string().max(256).optional() }),
    handle: async (call) => ok(await issuance(call).reportMedium({ mediaId: param(call, 'mediaId'), status: 'found', reason: call.body.reason ?? '' }, actor(call))) }),
  route({ id: 'personaliseCards', method: 'post', path: '/v1/cards/certificates', bodyLimit: 'import', roles: ['operator'], ok: [201, 200],
    summary: "A personalisation run: a certificate for each card's public key (up to 500; kind purse for a card with an electronic purse), each with its account's limits, recorded on the ledger in groups; refusals per card: 201 when it made any certificate, 200 when every card was refused",
    body: z.strictObject({ cards: z.array(z.strictObject({ account: id, publicKey: z.record(z.string(), z.string()), kind: z.enum(['card', 'purse']).optional() })).min(1).max(500) }),
    handle: async (call) => {
      const cards = call.body.cards.map((c) => ({ account: parseAccountId(c.account), jwk: parsePublicJwk(c.publicKey, 'publicKey'), kind: c.kind ?? 'card' }));
      const issuer = issuerOf(call);
      const answers = await Promise.all(cards.map(async (c) => {
        try {
          return { ok: true as const, value: await issuer.certify(c.account, c.jwk, c.kind) };
        } catch (error) {
          if (error instanceof DomainError) return { ok: false as const, value: { account: c.account, code: error.code, detail: error.message.replace(/^[A-Z_]+: /, '') } };
          throw error;
        }
      }));
      const certificates = answers.filter((a) => a.ok).map((a) => a.value);
      return ok({ certificates, refused: answers.filter((a) => !a.ok).map((a) => a.value) }, certificates.length > 0 ? 201 : 200);
    } }),
  { id: 'getAccountMedia', method: 'get', path: '/v1/accounts/{account}/media', roles: ['operator', 'auditor'], ok: [200], summary: "An account's agreement, media (with loss reports) and certificates",
    handle: (call) => evaluate(call, ISSUANCE.GetMedia(param(call, 'account'))) },
  { id: 'listLossReports', method: 'get', path: '/v1/loss-reports', roles: ['operator', 'auditor'], ok: [200], csv: 'lossReports', summary: 'Every medium reported lost, newest first: account, when, by whom, why, its deny-list version, and whether it was found',
    handle: (call) => evaluate(call, ISSUANCE.ListLossReports()) },
  { id: 'getExposure', method: 'get', path: '/v1/exposure', roles: ['auditor', 'operator'], ok: [200], csv: 'exposure', summary: 'The outstanding offline exposure: what live certificates still allow, per account and in total',
    handle: (call) => evaluate(call, ISSUANCE.GetExposure()) },
  { id: 'getFaceAgreements', method: 'get', path: '/v1/face-agreements', roles: ['terminal', 'operator', 'auditor'], ok: [200],
    summary: 'The accounts whose direct-debit agreement is live: a face terminal syncs them and accepts a face only for these',
    handle: (call) => evaluate(call, ISSUANCE.ListFaceAgreements()) },
];
