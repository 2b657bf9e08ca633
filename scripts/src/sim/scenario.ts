import { Issuer, PayerMedium, Terminal, faceCredential, type WireRecord } from '../signer';
import { Rng } from './rng';

/** The canteen hour's knobs (DESIGN §8). */
export interface ScenarioOptions {
  readonly students: number;
  readonly terminals: number;
  readonly seed: number;
  /** Ledger time when the terminals reconnect; sales happen in the hour before. */
  readonly now: number;
  readonly batchSize: number;
  /**
   * Names this run's world, so that the scenario can run again on a ledger that holds earlier runs:
   * '' (the first run) gives issuer-sim, pos-000, canteen-north, s00000; 'c2' gives issuer-sim-c2,
   * pos-c2-000, canteen-north-c2, c2-s00000.
   */
  readonly cohort?: string;
  /** The ledger's deny-list version before the run (0 on a new ledger): the setup's card is listed at the next one. */
  readonly denyBase?: number;
}

/** One student as the simulator made them. */
export interface Student {
  readonly account: string;
  readonly creditLine: bigint;
  readonly topUp: bigint;
  readonly medium: 'code' | 'tap' | 'face';
  readonly media: PayerMedium | undefined;
  readonly overspender: boolean;
}

/** One sale as a terminal recorded it, with what must become of it. */
export interface Sale {
  readonly terminal: number;
  readonly account: string;
  readonly amount: bigint;
  readonly record: WireRecord;
  /** `paid` (settled or settled-advance), `double-spend-pair` (one of two uses of one credential), `deny-listed`, `lost` (in a skipped batch). */
  expect: 'paid' | 'double-spend-pair' | 'deny-listed' | 'lost';
}

/** A batch as it will be uploaded, with the injected misbehaviour. */
export interface Upload {
  readonly terminal: number;
  readonly jws: string;
  readonly copies: number;
  readonly tamperedFirst: boolean;
  readonly skipped: boolean;
  readonly sales: readonly Sale[];
}

/** Everything the run needs: the world, the setup steps, the uploads and the injected cases. */
export interface Scenario {
  readonly options: ScenarioOptions;
  readonly issuer: Issuer;
  readonly terminals: readonly Terminal[];
  readonly merchants: readonly string[];
  readonly students: readonly Student[];
  /** A card that double-spent before the hour: deny-listed at version denyBase + 1. */
  readonly deniedCard: Student;
  readonly setupBatch: { terminal: number; jws: string };
  /** A student whose clearance begins after the hour's sales, before upload. */
  readonly clearing: Student;
  readonly uploads: readonly Upload[];
  readonly injected: { replays: number; tripleTerminal: number; tamperedTerminal: number; skippingTerminal: number; learnedTerminal: number; unawareTerminal: number };
}

const CANTEENS = ['canteen-north', 'canteen-south', 'canteen-east', 'canteen-west'];
export const POINTS_RATE_PER_MILLE = 10;

/** Builds a deterministic canteen hour: who pays where, and what each upload must do. */
export function buildScenario(options: ScenarioOptions, progress: (done: number, total: number) => void = () => undefined): Scenario {
  const { students: n, now, seed } = options;
  // Five at least: every injected fault has a terminal of its own (learned, unaware, triple, tampered, skipping).
  const T = Math.max(5, options.terminals);
  const rng = new Rng(seed);
  const cohort = options.cohort ?? '';
  const denyBase = options.denyBase ?? 0;
  const suffix = cohort === '' ? '' : `-${cohort}`;
  const issuer = Issuer.generate(`issuer-sim${suffix}`, 'EdDSA', now - 1e10, now + 1e10);
  const terminals = Array.from({ length: T }, (_, i) => Terminal.generate(`pos${suffix}-${String(i).padStart(3, '0')}`, 'EdDSA'));
  const hourStart = now - 3_600_000;
  const students: Student[] = [];
  for (let i = 0; i < n; i++) {
    const account = `${cohort === '' ? '' : `${cohort}-`}s${String(i).padStart(5, '0')}`;
    const kind = i === 0 ? 'tap' : rng.chance(0.6) ? 'code' : rng.chance(0.6) ? 'tap' : 'face';
    const overspender = i > 1 && rng.chance(0.05);
    const media = kind === 'face' ? undefined : PayerMedium.issue(issuer, {
      mediaId: `${kind === 'code' ? 'w' : 'c'}-${account}`, kind: kind === 'code' ? 'wallet' : 'card', account, group: 'ug-2026',
      capPerPayment: '5000', capTotal: '20000', ctrFrom: 1, ctrTo: 1000, nbf: now - 86_400_000, exp: now + 86_400_000,
    }, 'EdDSA');
    students.push({ account, creditLine: rng.chance(0.1) ? 500n : 0n, topUp: overspender ? 1000n : BigInt(rng.int(30, 60) * 100), medium: kind, media, overspender });
    if (i % 500 === 0) progress(i, n);
  }
  const deniedCard = students[0];
  const clearing = students[1];
  if (deniedCard === undefined || clearing === undefined) throw new Error('need at least 2 students');

  // Before the hour: the card double-spends (the same tap twice), so the ledger deny-lists it at version denyBase + 1.
  const setupTerminal = T - 1;
  const setupPos = terminals[setupTerminal];
  if (setupPos === undefined || deniedCard.media === undefined) throw new Error('bad world');
  const tap = deniedCard.media.tap('300', setupPos.terminalId, now - 7_200_000, 'setup-nonce-1');
  const setupBatch = { terminal: setupTerminal, jws: setupPos.batch([setupPos.record(now - 7_200_000 + 1000, '300', 'tap', tap, denyBase), setupPos.record(now - 7_200_000 + 2000, '300', 'tap', tap, denyBase)]) };

  const learnedTerminal = 0; // has deny-list version denyBase + 1, but still records the denied card
  const unawareTerminal = 1; // still at version 0
  const tripleTerminal = 2;
  const tamperedTerminal = 3;
  const skippingTerminal = 4;

  // The hour: every student buys 1-2 meals (overspenders 3), at random terminals and times.
  interface Planned { terminal: number; at: number; student: Student; amount: bigint; replayOf?: Planned; credential?: unknown }
  const planned: Planned[] = [];
  for (const s of students) {
    if (s === deniedCard) continue;
    const count = s.overspender ? 3 : rng.int(1, 2);
    for (let k = 0; k < count; k++) {
      planned.push({ terminal: rng.int(0, T - 2), at: hourStart + rng.int(60_000, 3_500_000), student: s, amount: BigInt(s.overspender ? rng.int(8, 15) * 100 : rng.int(5, 15) * 100) });
    }
  }
  // The denied card is used at a terminal that did not know yet, and at one that did.
  planned.push({ terminal: unawareTerminal, at: hourStart + 600_000, student: deniedCard, amount: 700n }, { terminal: learnedTerminal, at: hourStart + 900_000, student: deniedCard, amount: 600n });
  // Screenshot replays: a wallet's code shown again at another stall, same amount.
  // (Not at the terminal that will skip a batch: a replay of a lost sale is simply a sale.)
  const replayTerminal = (t: number): number => (t + 1) % (T - 1);
  const replayable = planned.filter((p) => p.student.medium === 'code' && p.student !== clearing && p.terminal !== skippingTerminal && replayTerminal(p.terminal) !== skippingTerminal);
  const replays = Math.max(1, Math.floor(n * 0.005));
  for (let r = 0; r < replays && r < replayable.length; r++) {
    const original = replayable[Math.floor((r * replayable.length) / replays)];
    if (original === undefined) continue;
    planned.push({ terminal: replayTerminal(original.terminal), at: original.at + 30_000, student: original.student, amount: original.amount, replayOf: original });
  }
  planned.sort((a, b) => a.at - b.at);

  // Terminals record in time order; credentials are made when the sale happens.
  const sales: Sale[][] = terminals.map(() => []);
  planned.forEach((p, i) => {
    const pos = terminals[p.terminal];
    if (pos === undefined) throw new Error('bad terminal');
    const media = p.student.media;
    let credential: unknown;
    if (p.replayOf !== undefined) credential = p.replayOf.credential;
    else if (p.student.medium === 'face' || media === undefined) credential = faceCredential(p.student.account, 950);
    else if (p.student.medium === 'code') credential = media.payCode(p.at - 5_000);
    else credential = media.tap(p.amount.toString(), pos.terminalId, p.at - 1_000, `n${String(i).padStart(7, '0')}`);
    p.credential = credential;
    const denyVersion = p.terminal === unawareTerminal ? denyBase : denyBase + 1;
    const record = pos.record(p.at, p.amount.toString(), p.student.medium, credential, denyVersion);
    const expect: Sale['expect'] = p.student === deniedCard && p.terminal === learnedTerminal ? 'deny-listed' : 'paid';
    const sale: Sale = { terminal: p.terminal, account: p.student.account, amount: p.amount, record, expect };
    sales[p.terminal]?.push(sale);
    if (p.replayOf !== undefined) {
      sale.expect = 'double-spend-pair';
      const first = sales.flat().find((s) => s.record.credential === credential && s !== sale);
      if (first !== undefined) first.expect = 'double-spend-pair';
    }
  });

  const uploads: Upload[] = [];
  terminals.forEach((pos, t) => {
    const list = sales[t] ?? [];
    for (let b = 0; b * options.batchSize < list.length; b++) {
      const chunk = list.slice(b * options.batchSize, (b + 1) * options.batchSize);
      const skipped = t === skippingTerminal && b === 1 && list.length > 2 * options.batchSize;
      if (skipped) for (const s of chunk) s.expect = 'lost';
      uploads.push({
        terminal: t, jws: pos.batch(chunk.map((s) => s.record)), copies: t === tripleTerminal ? 3 : 1,
        tamperedFirst: t === tamperedTerminal && b === 0, skipped, sales: chunk,
      });
    }
  });
  progress(n, n);
  return {
    options, issuer, terminals, merchants: CANTEENS.map((c) => `${c}${suffix}`), students, deniedCard, setupBatch, clearing, uploads,
    injected: { replays, tripleTerminal, tamperedTerminal, skippingTerminal, learnedTerminal, unawareTerminal },
  };
}

/** The merchant a terminal belongs to. */
/** The canteen (merchant) a terminal of `sc` belongs to. */
export const merchantOfTerminal = (sc: Pick<Scenario, 'merchants'>, t: number): string => sc.merchants[t % sc.merchants.length] ?? '?';
