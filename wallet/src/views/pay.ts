/**
 * Pay: one big button. Works with no network at all: the certificate, the key and the counters come
 * from IndexedDB, the page from the service worker. Each tap takes a new counter from those reserved
 * on disk ahead (reservation.ts: no disk write on the tap's path) and shows `<certificate>~<pay code>`
 * as a QR code for the stall to scan.
 */
import { parseAccount } from '../account.js';
import { loadCertificate, reconcile, requestCertificate, type Certificate } from '../certificate.js';
import { yuan } from '../money.js';
import { CODE_TTL_MS, makePayCode, type PayCode } from '../pay.js';
import { OfflineError } from '../problem.js';
import { drawQr, encode } from '../qr.js';
import { codesLeft, refreshReason } from '../renewal.js';
import { holdCounters, peekCounter, reserveAhead, takeCounter, type NoCode } from '../reservation.js';
import { formatTime } from '../time.js';
import { painted, recordTiming } from '../timings.js';
import { fill, h, problemBox, status } from '../ui.js';
import type { View, Wallet } from '../wallet.js';

const NO_CODE: Readonly<Record<NoCode, string>> = {
  'no-certificate': 'This phone has no payment certificate. Go online and get one.',
  'used-up': 'All the codes of this certificate are used. Go online and refresh the certificate.',
  expired: 'The payment certificate has expired. Go online and refresh it.',
  'not-yet-valid': 'The payment certificate is not valid yet: check the phone\'s clock.',
};

function summary(wallet: Wallet, cert: Certificate, next: number): HTMLElement {
  const left = codesLeft(cert, next);
  return h('dl', { class: 'facts', 'data-testid': 'certificate-summary' },
    h('dt', {}, 'Per payment'), h('dd', {}, `up to ${yuan(cert.capPerPayment)}`),
    h('dt', {}, 'Offline in all'), h('dd', {}, `up to ${yuan(cert.capTotal)}`),
    h('dt', {}, 'Codes left'), h('dd', {}, `${String(left)} of ${String(cert.ctrTo - cert.ctrFrom + 1)}`),
    h('dt', {}, 'Valid until'), h('dd', {}, formatTime(cert.exp, wallet.timeZone)));
}

/** The timer that retires the code on screen when its ttl runs out. */
let expiry: ReturnType<typeof setTimeout> | undefined;

/** Where codes are shown: the area, and the one canvas every code is drawn on (a new one would allocate its pixels again). */
interface CodeArea {
  readonly area: HTMLElement;
  readonly canvas: HTMLCanvasElement;
}

function showCode(wallet: Wallet, { area, canvas }: CodeArea, code: PayCode): void {
  clearTimeout(expiry);
  canvas.setAttribute('aria-label', `Pay code ${String(code.ctr)}: show it to the stall's scanner`);
  const width = Math.min(area.clientWidth > 0 ? area.clientWidth : 320, 480);
  drawQr(canvas, code.text, width, window.devicePixelRatio > 0 ? window.devicePixelRatio : 1);
  fill(area,
    h('figure', { class: 'qr' }, canvas,
      h('figcaption', {},
        h('strong', {}, `Up to ${yuan(code.cert.capPerPayment)} per payment`), h('br'),
        `Code ${String(code.ctr)} (of ${String(code.cert.ctrFrom)}–${String(code.cert.ctrTo)}), valid until ${formatTime(code.iat + CODE_TTL_MS, wallet.timeZone)}`)),
    h('output', { hidden: '', 'data-testid': 'pay-code-text', 'data-ctr': String(code.ctr) }, code.text));
  // A stall refuses an expired code: take it off the screen rather than let it be shown in vain.
  expiry = setTimeout(() => {
    if (area.querySelector(`[data-ctr="${String(code.ctr)}"]`) !== null) fill(area, status('That code has expired. Tap Pay for a new one.'));
  }, Math.max(0, code.iat + CODE_TTL_MS - Date.now()));
}

async function pay(wallet: Wallet, shown: CodeArea, refresh: () => Promise<void>): Promise<void> {
  const started = performance.now();
  const now = Date.now();
  const taken = await takeCounter(wallet.session.account, now);
  if (!taken.ok) {
    fill(shown.area, h('div', { class: 'problem', role: 'alert' }, h('p', {}, NO_CODE[taken.why])));
    return;
  }
  showCode(wallet, shown, await makePayCode(taken.key, taken.cert, taken.ctr, now));
  await painted();
  recordTiming(performance.now() - started);
  // The code is on screen: now, not before, top the reserved counters up if they run low.
  reserveAhead(wallet.session.account);
  await refresh();
}

async function getCertificate(wallet: Wallet, out: HTMLElement, rerender: () => Promise<void>): Promise<void> {
  out.replaceChildren(status('Asking for a certificate…'));
  try {
    await requestCertificate(wallet.api, wallet.session.account);
    await rerender();
  } catch (error) {
    out.replaceChildren(problemBox(error));
  }
}

/** What brings the wallet back in step when the phone comes online while this page is open. */
let onOnline: (() => void) | undefined;

async function render(wallet: Wallet, body: HTMLElement, notice?: HTMLElement): Promise<void> {
  const facts = h('div', {});
  const out = h('div', { 'aria-live': 'polite' });
  const area = h('div', { class: 'code-area', 'aria-live': 'polite' });
  const shown: CodeArea = { area, canvas: h('canvas', { id: 'pay-qr', role: 'img' }) };
  const rerender = (changed?: HTMLElement): Promise<void> => render(wallet, body, changed);
  const cert = await loadCertificate(wallet.session.account);
  const refreshFacts = async (): Promise<void> => {
    const current = await loadCertificate(wallet.session.account);
    // A new certificate (refreshed in the background) gets its counters reserved before the next tap.
    if (current !== undefined) holdCounters(wallet.session.account);
    fill(facts, current === undefined ? null : summary(wallet, current, await peekCounter(current)));
  };
  const payButton = h('button', { type: 'button', class: 'pay', id: 'pay', onclick: () => {
    payButton.disabled = true;
    pay(wallet, shown, refreshFacts).then(() => {
      if (navigator.onLine) void keepCurrent(wallet, out, refreshFacts, rerender, false);
    }, (error: unknown) => {
      fill(area, problemBox(error));
    }).finally(() => {
      payButton.disabled = false;
    });
  } }, 'Pay');
  const refreshButton = h('button', { type: 'button', class: 'secondary', onclick: () => {
    void getCertificate(wallet, out, () => rerender());
  } }, cert === undefined ? 'Get a certificate' : 'Refresh certificate');
  fill(body,
    notice,
    cert === undefined
      ? h('p', {}, 'To pay, this phone needs a payment certificate. Accept the agreement first if you have not.')
      : null,
    payButton, area, facts, h('div', { class: 'actions' }, refreshButton), out);
  if (cert === undefined) {
    payButton.disabled = true;
    return;
  }
  await refreshFacts();
  warmUp();
  if (onOnline !== undefined) window.removeEventListener('online', onOnline);
  onOnline = () => {
    if (body.isConnected) void keepCurrent(wallet, out, refreshFacts, rerender, true);
  };
  window.addEventListener('online', onOnline);
  if (navigator.onLine) void keepCurrent(wallet, out, refreshFacts, rerender, true);
}

/** The QR encoder's first run is several times slower (the JIT): spend it before the first tap. */
function warmUp(): void {
  setTimeout(() => {
    encode('x'.repeat(800));
  }, 0);
}

/**
 * While online: squares the certificate with the ledger (lost, blocked, revoked: no more codes;
 * `askLedger`) and replaces one past half its life or half its codes. No network is no news.
 */
async function keepCurrent(wallet: Wallet, out: HTMLElement, refreshFacts: () => Promise<void>, rerender: (notice?: HTMLElement) => Promise<void>, askLedger: boolean): Promise<void> {
  try {
    const changed = askLedger ? await reconcile(parseAccount(await wallet.api.get('/v1/me'))) : undefined;
    if (changed !== undefined) {
      await rerender(status(changed));
      return;
    }
    const cert = await loadCertificate(wallet.session.account);
    if (cert === undefined) return;
    const reason = refreshReason(cert, await peekCounter(cert), Date.now());
    if (reason === undefined) return;
    out.replaceChildren(status(`Refreshing the certificate: ${reason}.`));
    await requestCertificate(wallet.api, wallet.session.account);
    out.replaceChildren(status('Certificate refreshed.', 'ok'));
    await refreshFacts();
  } catch (error) {
    if (error instanceof OfflineError) out.replaceChildren();
    else out.replaceChildren(problemBox(error));
  }
}

/** The pay page. */
export const payView: View = { title: 'Pay', render };
