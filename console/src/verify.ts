/**
 * Verify a clearance record (docs/settlement.md, "A clearance record anyone can verify"): a public
 * page on every organisation's gateway. The graduate's file is checked by this gateway against its
 * own organisation's peer (POST /v1/clearance-records/verify); no sign-in.
 */
import { h, problemBox } from './ui.js';
import { ProblemError } from './api.js';

const app = document.getElementById('app') ?? document.body;
const CLAIM_LABELS: Record<string, string> = { account: 'Account', clearedOn: 'Cleared on (UTC)', debtLeft: 'Debt left (minor units; 0: nothing owed)', closingTx: 'Transaction that closed the account' };

async function check(text: string): Promise<HTMLElement> {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return problemBox(new ProblemError({ status: 400, code: 'MALFORMED_JSON', detail: 'the file is not a clearance record (not JSON)' }));
  }
  const res = await fetch('/v1/clearance-records/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await res.json()) as Record<string, unknown>;
  if (!res.ok) return problemBox(new ProblemError(answer as { status: number; code: string; detail: string }));
  const claims = (answer.claims ?? {}) as Record<string, string>;
  const hidden = (answer.hidden ?? []) as string[];
  const commands = answer.stockTools as string[] | null;
  return h('section', { class: 'verdict', 'aria-labelledby': 'ok-h', 'data-testid': 'verified' },
    h('h2', { id: 'ok-h' }, 'Genuine: issued, unaltered and not revoked'),
    h('dl', { class: 'facts' },
      ...Object.entries(claims).flatMap(([k, v]) => [h('dt', {}, CLAIM_LABELS[k] ?? k), h('dd', { 'data-claim': k }, v)]),
      h('dt', {}, 'Issued by'), h('dd', {}, String(answer.issuer)),
      h('dt', {}, 'Issued at (ledger time)'), h('dd', {}, new Date(Number(answer.issuedAt)).toISOString()),
      h('dt', {}, 'On the ledger'), h('dd', {}, `channel ${String(answer.channel)}, block ${String(answer.blockNumber)}, transaction ${String(answer.id)}`)),
    hidden.length === 0 ? null : h('p', {}, `Not shown by the graduate: ${hidden.map((c) => CLAIM_LABELS[c] ?? c).join('; ')}.`),
    commands === null ? h('p', {}, 'This gateway reads the embedded ledger (not a Fabric network): its own check is npm run ledger:verify.')
      : h('details', {}, h('summary', {}, 'Check it yourself with Fabric\'s tools, jq and sha256sum (save the file as record.json)'),
        ...commands.map((c) => h('pre', {}, h('code', {}, c)))));
}

function page(): void {
  const input = h('textarea', { id: 'record', name: 'record', rows: '10', required: '', spellcheck: 'false' });
  const file = h('input', { id: 'record-file', type: 'file', accept: 'application/json,.json' });
  const out = h('div', { 'aria-live': 'polite' });
  file.addEventListener('change', () => {
    const f = file.files?.[0];
    if (f !== undefined) {
      void f.text().then((t) => {
        input.value = t;
      });
    }
  });
  const form = h('form', { onsubmit: (e) => {
    e.preventDefault();
    out.replaceChildren(h('p', {}, 'Checking against this organisation\'s ledger…'));
    void check(input.value).then((r) => {
      out.replaceChildren(r);
    }, (error: unknown) => {
      out.replaceChildren(problemBox(error));
    });
  } },
  h('div', { class: 'field' }, h('label', { for: 'record-file' }, 'The graduate\'s file'), file),
  h('div', { class: 'field' }, h('label', { for: 'record' }, 'or its text'), input),
  h('button', { type: 'submit' }, 'Verify'));
  app.replaceChildren(h('main', { id: 'main' },
    h('h1', {}, 'Verify a clearance record'),
    h('p', { class: 'lead' }, 'A graduate\'s clearance record says that the campus closed their account and what, if anything, is still owed. This page checks it against this organisation\'s own copy of the ledger: that the registrar\'s organisation issued it, that no byte of what it shows was changed, and that it was not revoked. It shows only the claims the graduate chose to show.'),
    form, out));
}

page();
