import { PayerMedium, PurseCard, Terminal, faceCredential, generateSigningKey, type SigningKey, type WireRecord } from '../signer';
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
  /** One edge node per canteen (docs/edge.md): replays at a second stall of the site are refused there. */
  readonly edges?: boolean;
  /** What the edges do with a sale beyond the student's slice (the risk policy's edgeOverflow). */
  readonly edgeOverflow?: 'refuse' | 'advance';
  /** The run ends with the operator's daily close, paying every merchant (default true; false leaves the credits unpaid). */
  readonly dailyClose?: boolean;
}

/** One student as the simulator made them. */
export interface Student {
  readonly account: string;
  readonly creditLine: bigint;
  readonly topUp: bigint;
  readonly medium: 'code' | 'tap' | 'face' | 'purse';
  /** The key of the student's phone (codes, and the agreement for everyone) or card (taps, purse). */
  readonly key: SigningKey;
  /** The medium once the issuer service certified its key (runScenario does, before the hour). */
  media: PayerMedium | undefined;
  /** A purse card, once personalised and loaded (campus value): it pays from its own balance. */
  purse?: PurseCard;
  /** What is loaded onto the purse card from the wallet before the hour. */
  readonly load: bigint;
  /** Pays one meal of the hour in points, earned by a meal before it (campus value). */
  readonly paysInPoints: boolean;
  readonly overspender: boolean;
}

/** One sale as a terminal recorded it, with what must become of it. */
export interface Sale {
  readonly terminal: number;
  readonly account: string;
  readonly amount: bigint;
  readonly record: WireRecord;
  /** What the canteen's edge said at the stall (none without edges, or for a sale made before the hour). */
  readonly edge?: 'approved' | 'over-slice' | 'unreachable';
  /** `paid` (settled; what funded it is the fold's), `double-spend-pair` (one of two uses of one credential), `deny-listed`, `over-cap` (both rejected: the terminal knew), `lost` (in a skipped batch). */
  expect: 'paid' | 'double-spend-pair' | 'deny-listed' | 'over-cap' | 'lost';
}

/** One sale the hour will try at a stall: who, where, when, with which credential. */
export interface PlannedSale {
  readonly terminal: number;
  readonly at: number;
  readonly student: Student;
  readonly amount: bigint;
  /** A QR code or tap credential string, or a face attestation. */
  readonly credential: string | { readonly typ: 'face'; readonly v: 1; readonly account: string; readonly score: number };
  /** The screenshot of an earlier sale's code shown again at another stall. */
  readonly replayOf?: PlannedSale;
  /** Paid in points: the student's code says so (campus value). */
  readonly tender?: 'points';
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
  readonly terminals: readonly Terminal[];
  readonly merchants: readonly string[];
  readonly students: readonly Student[];
  /** A card that double-spent before the hour: deny-listed at version denyBase + 1. */
  readonly deniedCard: Student;
  /** The hour's sales as planned, before their credentials exist (the media are certified first). */
  readonly plan: readonly PlannedSaleDraft[];
  /** A student whose clearance begins after the hour's sales, before upload. */
  readonly clearing: Student;
  /** The setup batch and the hour's sales with their credentials, made by `makeCredentials` once the media are certified. */
  /** The setup's batches, in order (at most 500 records each; the denied card's taps in the first). */
  setupBatch?: { terminal: number; jws: readonly string[] };
  rush: readonly PlannedSale[];
  /** Purse purchases the card refused (its balance did not cover them): sales that never happened. */
  purseRefused?: number;
  readonly injected: { replays: number; tripleTerminal: number; tamperedTerminal: number; skippingTerminal: number; learnedTerminal: number; unawareTerminal: number; setupTerminal: number };
}

/** A sale of the plan: who pays where and when; its credential comes later. */
export interface PlannedSaleDraft { terminal: number; at: number; student: Student; amount: bigint; replayOf?: PlannedSaleDraft; tender?: 'points' }

const CANTEENS = ['canteen-north', 'canteen-south', 'canteen-east', 'canteen-west'];
export const POINTS_RATE_PER_MILLE = 10;
/** Points a meal paid in points costs per 1000 minor units of its price: a point per 1.00, as earned. */
export const POINTS_REDEEM_PER_MILLE = 10;
/** The meal before the hour that earns a points payer their points (2,000 → 20 points: a meal of up to 20.00). */
export const POINTS_SETUP_MEAL = 2000n;

/** Builds a deterministic canteen hour: who pays where, and what each upload must do. */
export function buildScenario(options: ScenarioOptions, progress: (done: number, total: number) => void = () => undefined): Scenario {
  const { students: n, now, seed } = options;
  // Nine at least: every injected fault has a terminal of its own (learned, unaware, triple,
  // tampered, skipping), and every canteen two selling terminals, so a replay can go to a second stall.
  const T = Math.max(9, options.terminals);
  const rng = new Rng(seed);
  const cohort = options.cohort ?? '';
  const suffix = cohort === '' ? '' : `-${cohort}`;
  const terminals = Array.from({ length: T }, (_, i) => Terminal.generate(`pos${suffix}-${String(i).padStart(3, '0')}`, 'EdDSA'));
  const hourStart = now - 3_600_000;
  const students: Student[] = [];
  for (let i = 0; i < n; i++) {
    const account = `${cohort === '' ? '' : `${cohort}-`}s${String(i).padStart(5, '0')}`;
    const drawn = i === 0 ? 'tap' : rng.chance(0.6) ? 'code' : rng.chance(0.6) ? 'tap' : rng.chance(0.5) ? 'face' : 'purse';
    const overspender = i > 1 && rng.chance(0.05);
    // A purse cannot be overspent, so an overspender has no purse card; nor has the student whose clearance begins.
    const kind = drawn === 'purse' && (overspender || i <= 1) ? 'code' : drawn;
    const paysInPoints = kind === 'code' && i > 1 && !overspender && rng.chance(0.1);
    const topUp = overspender ? 1000n : BigInt(rng.int(30, 60) * 100) + (paysInPoints ? POINTS_SETUP_MEAL : 0n);
    // Phones sign with P-256 (WebCrypto's), cards with Ed25519; the issuer service certifies them before the hour.
    students.push({
      account, creditLine: rng.chance(0.1) ? 500n : 0n, topUp, medium: kind, key: generateSigningKey(kind === 'tap' || kind === 'purse' ? 'EdDSA' : 'ES256'), media: undefined,
      load: kind === 'purse' ? topUp - 500n : 0n, paysInPoints, overspender,
    });
    if (i % 500 === 0) progress(i, n);
  }
  const deniedCard = students[0];
  const clearing = students[1];
  if (deniedCard === undefined || clearing === undefined) throw new Error('need at least 2 students');

  const setupTerminal = T - 1;

  const learnedTerminal = 0; // has deny-list version denyBase + 1, but still records the denied card
  const unawareTerminal = 1; // still at version 0
  const tripleTerminal = 2;
  const tamperedTerminal = 3;
  const skippingTerminal = 4;

  // The hour: every student buys 1-2 meals (overspenders 3), at random terminals and times.
  type Planned = PlannedSaleDraft;
  const planned: Planned[] = [];
  for (const s of students) {
    if (s === deniedCard) continue;
    const count = s.overspender ? 3 : rng.int(1, 2);
    for (let k = 0; k < count; k++) {
      planned.push({
        terminal: rng.int(0, T - 2), at: hourStart + rng.int(60_000, 3_500_000), student: s, amount: BigInt(s.overspender ? rng.int(8, 15) * 100 : rng.int(5, 15) * 100),
        // A points payer's first meal of the hour is paid in points (at most 15.00: 15 of the 20 points the meal before earned).
        ...(s.paysInPoints && k === 0 ? { tender: 'points' as const } : {}),
      });
    }
  }
  // The denied card is used at a terminal that did not know yet, and at one that did.
  planned.push({ terminal: unawareTerminal, at: hourStart + 600_000, student: deniedCard, amount: 700n }, { terminal: learnedTerminal, at: hourStart + 900_000, student: deniedCard, amount: 600n });
  // Screenshot replays: a wallet's code shown again at another stall of the same canteen, same
  // amount (where a site's edge can stop it). Not at the two terminals that keep no rules of their
  // own (learned, unaware), nor at the one that will skip a batch (a replay of a lost sale is simply a sale).
  const replayTerminal = (t: number): number => sameCanteenNext(t, T - 1);
  const excluded = new Set([skippingTerminal, learnedTerminal, unawareTerminal]);
  const replayable = planned.filter((p) => p.student.medium === 'code' && p.tender === undefined && p.student !== clearing && !excluded.has(p.terminal) && !excluded.has(replayTerminal(p.terminal)));
  const replays = Math.max(1, Math.floor(n * 0.005));
  for (let r = 0; r < replays && r < replayable.length; r++) {
    const original = replayable[Math.floor((r * replayable.length) / replays)];
    if (original === undefined) continue;
    planned.push({ terminal: replayTerminal(original.terminal), at: original.at + 30_000, student: original.student, amount: original.amount, replayOf: original });
  }
  planned.sort((a, b) => a.at - b.at);

  progress(n, n);
  return {
    options: { ...options, terminals: T }, terminals, merchants: CANTEENS.map((c) => `${c}${suffix}`), students, deniedCard, plan: planned, clearing, rush: [],
    injected: { replays, tripleTerminal, tamperedTerminal, skippingTerminal, learnedTerminal, unawareTerminal, setupTerminal },
  };
}

/**
 * The credentials of the setup and of the hour, made once every medium is certified: before the
 * hour the denied card taps twice (the ledger deny-lists it at version denyBase + 1) and each points
 * payer buys a meal that earns their points; then each sale's code, tap, face or purse purchase in
 * time order (each medium's counter increases). A purse card refuses what its balance does not
 * cover: that sale never happens (counted in `purseRefused`).
 */
export function makeCredentials(sc: Scenario): void {
  const { now } = sc.options;
  const denyBase = sc.options.denyBase ?? 0;
  const setupPos = sc.terminals[sc.injected.setupTerminal];
  const card = sc.deniedCard.media;
  if (setupPos === undefined || card === undefined) throw new Error('the setup card has no certificate');
  const tap = card.tap('300', setupPos.terminalId, now - 7_200_000, 'setup-nonce-1');
  const setup = [setupPos.record(now - 7_200_000 + 1000, '300', 'tap', tap, denyBase), setupPos.record(now - 7_200_000 + 2000, '300', 'tap', tap, denyBase)];
  sc.students.filter((s) => s.paysInPoints).forEach((s, k) => {
    const at = now - 7_100_000 + k;
    if (s.media === undefined) throw new Error(`points payer ${s.account} has no certificate`);
    setup.push(setupPos.record(at, POINTS_SETUP_MEAL.toString(), 'code', s.media.payCode(at - 1_000), denyBase));
  });
  const chunks: string[] = [];
  for (let i = 0; i < setup.length; i += 500) chunks.push(setupPos.batch(setup.slice(i, i + 500)));
  sc.setupBatch = { terminal: sc.injected.setupTerminal, jws: chunks };
  const made = new Map<PlannedSaleDraft, PlannedSale>();
  let refused = 0;
  sc.rush = sc.plan.flatMap((p, i): PlannedSale[] => {
    const pos = sc.terminals[p.terminal];
    if (pos === undefined) throw new Error('bad terminal');
    const media = p.student.media;
    let credential: PlannedSale['credential'];
    const original = p.replayOf === undefined ? undefined : made.get(p.replayOf);
    if (original !== undefined) credential = original.credential;
    else if (p.student.medium === 'purse') {
      const purse = p.student.purse;
      if (purse === undefined) throw new Error(`purse card of ${p.student.account} was not loaded`);
      try {
        credential = purse.purchase(p.amount.toString(), pos.terminalId, i + 1, `n${String(i).padStart(7, '0')}`, p.at - 500);
      } catch {
        refused += 1;
        return [];
      }
    } else if (p.student.medium === 'face' || media === undefined) credential = faceCredential(p.student.account, 950);
    else if (p.student.medium === 'code') credential = p.tender === 'points' ? media.pointsCode(p.at - 5_000) : media.payCode(p.at - 5_000);
    else credential = media.tap(p.amount.toString(), pos.terminalId, p.at - 1_000, `n${String(i).padStart(7, '0')}`);
    const sale: PlannedSale = {
      terminal: p.terminal, at: p.at, student: p.student, amount: p.amount, credential, ...(original === undefined ? {} : { replayOf: original }), ...(p.tender === undefined ? {} : { tender: p.tender }),
    };
    made.set(p, sale);
    return [sale];
  });
  sc.purseRefused = refused;
}

/** A medium from the issuer service's answer: the certificate, its fields and the key it certifies. */
export function certifiedMedium(key: SigningKey, answer: { certificate: string; mediaId: string; kind: 'wallet' | 'card' | 'purse'; account: string; capPerPayment: string; capTotal: string; ctrFrom: number; ctrTo: number; nbf: number; exp: number }, group: string): PayerMedium {
  const { certificate, ...fields } = answer;
  return new PayerMedium({ ...fields, group }, key, certificate);
}

/** The next terminal after `t` (below `limit`) of the same canteen, or the next terminal at all where the canteen has one only. */
function sameCanteenNext(t: number, limit: number): number {
  for (let k = 1; k < limit; k++) {
    const u = (t + k) % limit;
    if (u % CANTEENS.length === t % CANTEENS.length) return u;
  }
  return (t + 1) % limit;
}

/** The merchant a terminal belongs to. */
/** The canteen (merchant) a terminal of `sc` belongs to. */
export const merchantOfTerminal = (sc: Pick<Scenario, 'merchants'>, t: number): string => sc.merchants[t % sc.merchants.length] ?? '?';
