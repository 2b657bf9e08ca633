/** What every view of a signed-in wallet is given: the session, the API, the campus zone, navigation. */
import type { StudentApi } from './api.js';
import type { Session } from './session.js';

/** The wallet's pages, by their hash. */
export type Route = 'pay' | 'account' | 'agreement';

/** The signed-in wallet as the views see it. */
export interface Wallet {
  readonly session: Session;
  readonly api: StudentApi;
  /** The campus's IANA time zone (from GET /v1/whoami, remembered offline). */
  readonly timeZone: string;
  /** Shows another page, with `notice` (a refusal, a change) above its content. */
  go(route: Route, notice?: HTMLElement): void;
  /** Forgets the session and shows the sign-in page. */
  signOut(): Promise<void>;
}

/** A page: its title (the h1) and how it fills the main landmark, `notice` first. */
export interface View {
  readonly title: string;
  render(wallet: Wallet, body: HTMLElement, notice?: HTMLElement): Promise<void>;
}
