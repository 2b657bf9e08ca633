/**
 * The graduate's clearance record (docs/settlement.md, "A clearance record anyone can verify"): the
 * registrar issues and revokes it, the registrar and the student download it showing the claims
 * the student chooses, and anyone verifies it at any organisation's gateway (a page and an API
 * that read that organisation's own peer). The ledger side is settlement/clearance-record.ts.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CLEARANCE_CLAIMS, checkDisclosures, parseAccountId, type ClearanceClaim, type Disclosure } from '@dol/chaincode';
import { ApiError } from '../errors';
import { LedgerError } from '../ledger/ledger-port';
import { SETTLEMENT } from '../ledger/settlement-transactions';
import { contractOf, ledgerRole, param, route, submit, type Answer, type Call, type Route } from './route-kit';

const SALT = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/);
const TX = z.string().regex(/^[0-9a-f]{64}$/);
const CLAIM = z.enum(CLEARANCE_CLAIMS);

/** The record a graduate holds and shows: every field is checked against the ledger, so a change of one byte is refused. */
const RECORD = z.strictObject({
  type: z.literal('ClearanceRecord'), v: z.literal(1), id: TX, issuer: z.string().max(64), issuedAt: z.number().int(),
  channel: z.string().max(64), chaincode: z.string().max(64),
  disclosures: z.array(z.strictObject({ name: CLAIM, value: z.string().max(200), salt: SALT })).min(1).max(CLEARANCE_CLAIMS.length),
});

/** The claims a download shows: `show=account,clearedOn` (default: all). */
const SHOW = z.object({ show: z.string().regex(/^[A-Za-z,]{1,100}$/).optional() });

interface Held { id: string; disclosures: Disclosure[]; record: { issuer: string; issuedAt: number }; status: string }

function shown(call: Call): ClearanceClaim[] {
  const wanted = call.query.show === undefined ? [...CLEARANCE_CLAIMS] : call.query.show.split(',');
  const bad = wanted.filter((w) => !(CLEARANCE_CLAIMS as readonly string[]).includes(w));
  if (bad.length > 0 || wanted.length === 0) throw new ApiError('INVALID_FIELD', `show must name claims among ${CLEARANCE_CLAIMS.join(', ')}`);
  return CLEARANCE_CLAIMS.filter((c) => wanted.includes(c));
}

/** The record as the student downloads it: the chosen claims with their salts, and where it lives. */
async function download(call: Call, account: string): Promise<Answer> {
  const held = await contractOf(call).evaluateJson(call.caller?.role === 'student' ? 'operator' : ledgerRole(call), SETTLEMENT.GetHeldClearanceRecord(account)) as Held;
  const show = shown(call);
  return { status: 200, body: {
    type: 'ClearanceRecord', v: 1, id: held.id, issuer: held.record.issuer, issuedAt: held.record.issuedAt, channel: call.deps.channel, chaincode: call.deps.chaincode,
    disclosures: held.disclosures.filter((d) => show.includes(d.name)),
  } };
}

/**
 * Verifies a record against this gateway's own peer: the record exists, its transaction is valid,
 * it was issued by the organisation it names at the time it names, every shown claim hashes with
 * its salt to one of the ledger's digests, and it was not revoked.
 */
async function verify(call: Call<z.output<typeof RECORD>>): Promise<Answer> {
  const doc = call.body;
  const refuse = (why: string): never => {
    throw new ApiError('CLEARANCE_RECORD_INVALID', why);
  };
  if (doc.channel !== call.deps.channel || doc.chaincode !== call.deps.chaincode) refuse(`the record names channel ${doc.channel} and chaincode ${doc.chaincode}; this gateway reads ${call.deps.channel}/${call.deps.chaincode}`);
  if (new Set(doc.disclosures.map((d) => d.name)).size !== doc.disclosures.length) refuse('the record shows a claim twice');
  let onLedger: { record: { id: string; issuer: string; issuedAt: number; claims: string[] }; status: string; revocation?: { at: number; reason: string } };
  try {
    onLedger = await contractOf(call).evaluateJson('auditor', SETTLEMENT.GetClearanceRecord(doc.id)) as typeof onLedger;
  } catch (error) {
    if (error instanceof LedgerError && error.code === 'NOT_FOUND') refuse(`no clearance record ${doc.id} on this organisation's ledger`);
    throw error;
  }
  const commit = await call.deps.ledger.commitOf('auditor', doc.id);
  if (commit.validationCode !== 'VALID') refuse(`transaction ${doc.id} is ${commit.validationCode} on this organisation's ledger`);
  const r = onLedger.record;
  if (r.id !== doc.id || r.issuer !== doc.issuer || r.issuedAt !== doc.issuedAt) refuse('the issuer or issue time differs from the ledger\'s');
  const { unknown } = checkDisclosures(r.claims, doc.disclosures);
  if (unknown.length > 0) refuse(`claim ${unknown.map((d) => d.name).join(', ')} is not what the record holds: altered, or not this record's`);
  if (onLedger.status === 'revoked') {
    throw new ApiError('CLEARANCE_RECORD_REVOKED', `the registrar revoked this record at ${new Date(onLedger.revocation?.at ?? 0).toISOString()}: ${onLedger.revocation?.reason ?? ''}`);
  }
  return { status: 200, body: {
    valid: true, id: doc.id, issuer: r.issuer, issuedAt: r.issuedAt, blockNumber: commit.blockNumber, channel: call.deps.channel,
    claims: Object.fromEntries(doc.disclosures.map((d) => [d.name, d.value])), hidden: CLEARANCE_CLAIMS.filter((c) => !doc.disclosures.some((d) => d.name === c)),
    stockTools: call.deps.ledger.kind === 'fabric' ? stockToolCommands(call.deps.channel, call.deps.chaincode, call.deps.cli.peerAddress, doc.id) : null,
  } };
}

/**
 * The same check with Fabric's own tools, jq and coreutils, no code of ours, for the record saved
 * as record.json (the peer CLI prints a query's answer with a newline after it: `head -c -1` takes it
 * off the protobuf; and jq's `contains` stops at the NUL bytes of a composite key, `startswith`
 * does not): the issuing transaction from the peer's ledger (qscc), valid and created by the
 * registrar's organisation; the digests it wrote; each shown claim hashed with its salt and found
 * among them; and the record's status now.
 */
export function stockToolCommands(channel: string, chaincode: string, peerAddress: string, id: string): string[] {
  const tls = `--peerAddresses ${peerAddress} --tls --tlsRootCertFiles <peer TLS CA>`;
  const writes = `.transactionEnvelope.payload.data.actions[0].payload.action.proposal_response_payload.extension.results.ns_rwset[] | select(.namespace=="${chaincode}") | .rwset.writes[] | select(.key | startswith("\\u0000clearance-record\\u0000"))`;
  return [
    `peer chaincode query -C ${channel} -n qscc -c '{"Args":["GetTransactionByID","${channel}","${id}"]}' ${tls} | head -c -1 > tx.pb && configtxlator proto_decode --type protos.ProcessedTransaction --input tx.pb --output tx.json && jq -e '.validationCode == 0' tx.json && jq -r '.transactionEnvelope.payload.header.signature_header.creator.mspid' tx.json`,
    `jq -r '[${writes}][0].value' tx.json | base64 -d > onledger.json && jq -r '.disclosures[] | "\\(.salt).\\(.name).\\(.value)"' record.json | while IFS= read -r c; do d=$(printf '%s' "$c" | sha256sum | cut -c1-64); if jq -e --arg d "$d" '.claims | index($d) != null' onledger.json > /dev/null; then echo "vouched \${c#*.}"; else echo "NOT VOUCHED \${c#*.}"; fi; done`,
    `peer chaincode query -C ${channel} -n ${chaincode} -c '${JSON.stringify({ Args: [SETTLEMENT.GetClearanceRecord(id).fn, id] })}' ${tls} | jq -r .status`,
  ];
}

export const CLEARANCE_RECORD_ROUTES: readonly Route[] = [
  { id: 'issueClearanceRecord', method: 'post', path: '/v1/clearances/{account}/record', roles: ['registrar'], ok: [201],
    summary: "Issue a closed account's clearance record: the ledger keeps one salted digest per claim (account, clearedOn, debtLeft, closingTx) and who issued it; the answer holds the claims with their salts",
    handle: (call) => {
      const account = parseAccountId(param(call, 'account'));
      const salts = Object.fromEntries(CLEARANCE_CLAIMS.map((c) => [c, randomBytes(16).toString('base64url')]));
      return submit(call, SETTLEMENT.IssueClearanceRecord({ account, salts }), 201);
    } },
  { id: 'getClearanceRecord', method: 'get', path: '/v1/clearances/{account}/record', roles: ['registrar'], ok: [200], query: SHOW,
    summary: "An account's clearance record to hand to the graduate, showing only the claims named in show= (default all)",
    handle: (call) => download(call, parseAccountId(param(call, 'account'))) },
  { id: 'getMyClearanceRecord', method: 'get', path: '/v1/me/clearance-record', roles: ['student'], ok: [200], query: SHOW,
    summary: 'My clearance record, showing only the claims I name in show= (default all): the file I give an employer',
    handle: (call) => download(call, parseAccountId(call.caller?.subject)) },
  route({ id: 'revokeClearanceRecord', method: 'post', path: '/v1/clearance-records/{id}/revocation', roles: ['registrar'], ok: [200],
    summary: 'Revoke a clearance record (a status entry; the record never changes): every verification refuses it from then on',
    body: z.strictObject({ reason: z.string().min(1).max(200) }),
    handle: (call) => submit(call, SETTLEMENT.RevokeClearanceRecord({ id: param(call, 'id'), reason: call.body.reason })) }),
  route({ id: 'verifyClearanceRecord', method: 'post', path: '/v1/clearance-records/verify', roles: 'public', ok: [200],
    summary: "Verify a clearance record against this organisation's own peer: genuine, unaltered, not revoked; answers the claims it shows",
    body: RECORD, handle: verify }),
];
