import { Amount } from '@dol/chaincode';
import { Journal, OfflineTerminal, generateSigningKey, memoryJournalStore, parseDenyList, parseOfflineConfig, type SaleResult } from '@dol/terminal';

/** An operator's (or finance's) call to the gateway that must succeed. */
export type Must = (method: string, path: string, as: 'operator' | 'finance' | 'registrar' | 'auditor', body?: unknown) => Promise<Record<string, unknown>>;

/**
 * FOR TESTS: a stall with the reference terminal library (terminal/): registered at the gateway,
 * synced (offline configuration and deny list) while online, selling offline from QR texts, and
 * uploading its sealed batches once back online.
 */
export class WalletStall {
  private constructor(
    readonly terminalId: string,
    private readonly terminal: OfflineTerminal,
    private readonly url: string,
    private readonly token: string,
    private readonly must: Must,
  ) {}

  /** Registers a terminal of `merchantId` and syncs it. */
  static async open(url: string, must: Must, terminalId: string, merchantId: string): Promise<WalletStall> {
    const key = generateSigningKey('EdDSA');
    await must('POST', '/v1/terminals', 'operator', { terminalId, merchantId, publicKey: key.jwk });
    const token = String((await must('POST', `/v1/terminals/${terminalId}/credentials`, 'operator')).token);
    const stall = new WalletStall(terminalId, new OfflineTerminal(terminalId, key, new Journal(memoryJournalStore())), url, token, must);
    await stall.sync();
    return stall;
  }

  /** Takes a fresh offline configuration and deny list from the centre (what a terminal does whenever it is online). */
  async sync(): Promise<number> {
    const config = parseOfflineConfig(await this.must('GET', `/v1/terminals/${this.terminalId}/offline-config`, 'operator'));
    const deny = parseDenyList(await this.must('GET', '/v1/deny-list?since=0', 'operator'));
    this.terminal.sync(config, deny, Date.now());
    return deny.version;
  }

  /** Sells `amount` (minor units) to whoever shows the QR text, now, offline. */
  sell(qrText: string, amount: string): Promise<SaleResult> {
    return this.terminal.sell({ medium: 'code', credential: qrText }, Amount.parse(amount), Date.now());
  }

  /** Seals and uploads every sale, reads the outcomes back until all are settled, then waits for their funding (bounded by `deadlineMs`). */
  async uploadAndSettle(deadlineMs = 120_000): Promise<void> {
    this.terminal.seal();
    const target = { url: this.url, token: this.token };
    const { refused } = await this.terminal.upload(target);
    if (refused !== undefined) throw new Error(`${this.terminalId}: upload refused: ${JSON.stringify(refused)}`);
    const until = Date.now() + deadlineMs;
    while ((await this.terminal.readBack(target)) > 0) {
      if (Date.now() > until) throw new Error(`${this.terminalId}: batches not settled within ${String(deadlineMs)} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Who paid is decided at the fold the gateway runs right after: wait until each paid sale is funded.
    const paid = (await this.must('GET', `/v1/payments?terminalId=${this.terminalId}`, 'auditor')) as unknown as { paymentId: string; code: string }[];
    for (const p of paid.filter((x) => x.code === 'settled' || x.code === 'double-spend')) {
      while ((await this.must('GET', `/v1/payments/${p.paymentId}`, 'auditor')).funding === 'pending') {
        if (Date.now() > until) throw new Error(`${p.paymentId}: not funded within ${String(deadlineMs)} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** The settled counts of every batch, summed by outcome. */
  counts(): Record<string, number> {
    const sum: Record<string, number> = {};
    for (const b of this.terminal.batches()) for (const [k, v] of Object.entries(b.counts ?? {})) sum[k] = (sum[k] ?? 0) + v;
    return sum;
  }
}
