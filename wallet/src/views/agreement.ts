/**
 * The direct-debit agreement (代扣协议): the text as the gateway serves it, checked against its
 * SHA-256 before Accept is offered; accepting signs it with the wallet key (a JWS the ledger keeps);
 * withdrawing revokes the certificates, so the wallet drops its own and shows no more codes.
 */
import { call } from '../api.js';
import { agreementInForce, parseAccount, parseAgreementText, type AgreementText } from '../account.js';
import { dropCertificate, reconcile, requestCertificate } from '../certificate.js';
import { sha256Hex, signJws } from '../jws.js';
import { ensureKey } from '../keys.js';
import { formatTime } from '../time.js';
import { confirmButton, fill, h, problemBox, status } from '../ui.js';
import type { View, Wallet } from '../wallet.js';

async function accept(wallet: Wallet, agreement: AgreementText): Promise<void> {
  const { account } = wallet.session;
  const key = await ensureKey(account);
  const acceptance = await signJws(key.privateKey, {
    typ: 'agreement', v: 1, account, version: agreement.version, textHash: agreement.textHash, jwk: key.jwk, iat: Date.now(),
  });
  await wallet.api.post('/v1/me/agreement', { acceptance });
  try {
    await requestCertificate(wallet.api, account);
    wallet.go('pay');
  } catch (error) {
    // Accepted all the same: the pay page says why there is no certificate yet, and offers to ask again.
    wallet.go('pay', problemBox(error));
  }
}

function acceptPanel(wallet: Wallet, agreement: AgreementText, out: HTMLElement): HTMLElement {
  const button = h('button', { type: 'button', class: 'primary', onclick: () => {
    button.disabled = true;
    out.replaceChildren(status('Signing the agreement with this phone\'s key…'));
    accept(wallet, agreement).catch((error: unknown) => {
      button.disabled = false;
      out.replaceChildren(problemBox(error));
    });
  } }, 'Accept the agreement');
  return h('div', { class: 'actions' }, button);
}

function withdrawPanel(wallet: Wallet, body: HTMLElement, acceptedAt: number): HTMLElement {
  return h('div', {},
    status(`You accepted this agreement on ${formatTime(acceptedAt, wallet.timeZone)}.`, 'ok'),
    confirmButton('Withdraw agreement', 'Withdraw the agreement? Your payment certificates stop working at once and this phone shows no more pay codes until you accept again.', 'Yes, withdraw', async () => {
      await wallet.api.delete('/v1/me/agreement');
      await dropCertificate(wallet.session.account);
      await render(wallet, body, status('Agreement withdrawn. Your certificates are revoked; this phone shows no more codes.'));
    }));
}

async function render(wallet: Wallet, body: HTMLElement, notice?: HTMLElement): Promise<void> {
  body.replaceChildren(status('Loading the agreement…'));
  try {
    const agreement = parseAgreementText(await call('GET', '/v1/agreement', undefined));
    const me = parseAccount(await wallet.api.get('/v1/me'));
    const changed = await reconcile(me);
    const out = h('div', { 'aria-live': 'polite' });
    const hashOk = (await sha256Hex(agreement.text)) === agreement.textHash;
    const inForce = agreementInForce(me.agreement, agreement.version);
    fill(body,
      notice,
      changed === undefined ? null : status(changed),
      h('p', {}, 'To pay with codes while offline, you let the card operator debit your wallet for every payment you make, as this agreement says.'),
      h('section', { 'aria-labelledby': 'agreement-text-title' },
        h('h2', { id: 'agreement-text-title' }, `Direct-debit agreement, version ${String(agreement.version)}`),
        h('div', { class: 'agreement-text', tabindex: '0', 'aria-label': 'Agreement text' }, agreement.text),
        h('p', { class: 'hash' }, 'SHA-256 of the text: ', h('code', {}, agreement.textHash), hashOk ? ' (checked)' : null)),
      hashOk ? null : h('div', { class: 'problem', role: 'alert' }, h('p', {}, 'The text shown does not match its fingerprint: it may have been changed on the way. Do not accept it; try again later.')),
      !hashOk ? null : inForce && me.agreement !== null ? withdrawPanel(wallet, body, me.agreement.acceptedAt) : acceptPanel(wallet, agreement, out),
      out,
    );
  } catch (error) {
    body.replaceChildren(problemBox(error));
  }
}

/** The agreement page. */
export const agreementView: View = { title: 'Agreement', render };
