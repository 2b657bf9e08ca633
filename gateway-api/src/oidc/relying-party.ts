/**
 * The gateway as an OpenID Connect relying party (OpenID Connect Core 1.0, authorization code
 * flow) for students: openid-client discovers the provider, builds the authorization request with
 * state, nonce and a PKCE S256 challenge (RFC 7636), exchanges the code and validates the ID token
 * (issuer, audience, signature against the provider's JWKS, expiry, nonce; the response's `iss`
 * per RFC 9207 when the provider sends it). What is kept between the two requests is SignInState's.
 */
import type { Configuration, IDToken } from 'openid-client';
import { httpsUnlessLoopback, plainHttp, type OidcConfig } from './oidc-config';
import { loadOpenIdClient, type OpenIdClient } from './openid-client-module';
import { SignInFailure } from './sign-in-failure';
import { SignInState, type PendingSignIn, SIGN_IN_MS } from './sign-in-state';
import { SpentSet } from './spent-set';

/** Each call to the provider (discovery, token, UserInfo, JWKS) is given up after this many seconds. */
const PROVIDER_TIMEOUT_S = 10;
/**
 * The provider's metadata is discovered again after this long (a rotation of its signing keys
 * needs no new discovery: a token signed with an unknown kid makes openid-client fetch the JWKS again).
 */
const REDISCOVER_MS = 24 * 3_600_000;
/**
 * States remembered as spent, each for a sign-in's lifetime: a campus's sign-ins within 10
 * minutes. Past the bound the oldest is forgotten early; the provider's code is single-use too.
 */
const MAX_SPENT_STATES = 200_000;

/** Network failures and timeouts of fetch (undici): the provider did not answer. */
function unreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name: unknown = Reflect.get(error, 'name');
  const message: unknown = Reflect.get(error, 'message');
  return name === 'TimeoutError' || name === 'AbortError' || (name === 'TypeError' && message === 'fetch failed');
}

/** One campus provider, discovered on first use; the gateway starts even while the provider is down. */
export class OidcRelyingParty {
  /** How the wallet names the provider. */
  readonly name: string;
  /** The sign-in's sealed cookies and its spent hand-offs. */
  readonly state: SignInState;
  private readonly spentStates = new SpentSet(SIGN_IN_MS, MAX_SPENT_STATES);
  private discovered: { readonly configuration: Configuration; readonly at: number } | undefined;
  private discovering: Promise<Configuration> | undefined;

  constructor(
    readonly config: OidcConfig,
    private readonly openid: OpenIdClient = loadOpenIdClient(),
    private readonly clock: () => number = Date.now,
  ) {
    if (!httpsUnlessLoopback(config.issuer) || !httpsUnlessLoopback(config.redirectUri)) {
      throw new Error('the OpenID Connect issuer and redirect URI must be https (http only on loopback)');
    }
    this.name = config.name;
    this.state = new SignInState(config.cookieKey);
  }

  /** A new sign-in: the provider's authorization URL to send the browser to, and what its answer is checked against. */
  async begin(returnTo: string): Promise<{ readonly url: URL; readonly pending: PendingSignIn }> {
    const configuration = await this.configuration();
    const o = this.openid;
    const pending: PendingSignIn = {
      state: o.randomState(), nonce: o.randomNonce(), verifier: o.randomPKCECodeVerifier(), returnTo,
    };
    const url = o.buildAuthorizationUrl(configuration, {
      redirect_uri: this.config.redirectUri, scope: this.config.scopes, response_type: 'code',
      state: pending.state, nonce: pending.nonce,
      code_challenge: await o.calculatePKCECodeChallenge(pending.verifier), code_challenge_method: 'S256',
    });
    return { url, pending };
  }

  /**
   * Verifies the provider's answer (the callback's query) against the pending sign-in, once, and
   * answers the configured claim's value (unchecked: the caller parses it as an account id).
   */
  async finish(query: URLSearchParams, pending: PendingSignIn): Promise<unknown> {
    if (query.get('state') !== pending.state) throw new SignInFailure('state');
    if (!this.spentStates.spend(pending.state, this.clock())) throw new SignInFailure('replayed');
    const configuration = await this.configuration();
    // The URL the provider sent the browser to, built on the configured redirect URI (never on the request's Host).
    const answer = new URL(this.config.redirectUri);
    answer.search = query.toString();
    try {
      const tokens = await this.openid.authorizationCodeGrant(configuration, answer, {
        pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (claims === undefined) throw new SignInFailure('rejected');
      return await this.claimOf(configuration, claims, tokens.access_token);
    } catch (error) {
      throw this.failureOf(error);
    }
  }

  /** The account claim: from the ID token, else from UserInfo (whose `sub` openid-client checks is the ID token's). */
  private async claimOf(configuration: Configuration, claims: IDToken, accessToken: string): Promise<unknown> {
    const name = this.config.accountClaim;
    const inToken: unknown = claims[name];
    if (inToken !== undefined || name === 'sub') return inToken;
    const info = await this.openid.fetchUserInfo(configuration, accessToken, claims.sub);
    return Reflect.get(info, name);
  }

  /** What went wrong with the provider, as a sign-in failure. */
  private failureOf(error: unknown): SignInFailure {
    const o = this.openid;
    if (error instanceof SignInFailure) return error;
    const because = { cause: error };
    if (error instanceof o.AuthorizationResponseError) return new SignInFailure('denied', because);
    // The token endpoint refused (a spent or forged code, a wrong verifier), or a check of its answer failed.
    if (error instanceof o.ResponseBodyError || error instanceof o.WWWAuthenticateChallengeError) {
      return new SignInFailure('rejected', because);
    }
    if (error instanceof o.ClientError) return new SignInFailure(unreachable(error.cause) ? 'provider' : 'rejected', because);
    // Only openid-client's calls run in finish's try: anything else is the transport.
    return new SignInFailure('provider', { cause: error });
  }

  /** The provider's metadata and this client, discovered once a day; a failed refresh keeps the last. */
  private async configuration(): Promise<Configuration> {
    const last = this.discovered;
    if (last !== undefined && this.clock() - last.at < REDISCOVER_MS) return last.configuration;
    this.discovering ??= this.discover().finally(() => {
      this.discovering = undefined;
    });
    try {
      return await this.discovering;
    } catch (error) {
      if (last !== undefined) return last.configuration;
      throw error;
    }
  }

  private async discover(): Promise<Configuration> {
    const o = this.openid;
    const { clientId, clientSecret } = this.config;
    const authentication = clientSecret === undefined ? o.None() : o.ClientSecretBasic(clientSecret);
    try {
      const configuration = await o.discovery(new URL(this.config.issuer), clientId, undefined, authentication, {
        timeout: PROVIDER_TIMEOUT_S,
        // Plain HTTP only on loopback (the constructor checks): tests, or a provider beside the gateway.
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only so that it stands out
        execute: plainHttp(this.config) ? [o.allowInsecureRequests] : [],
      });
      this.discovered = { configuration, at: this.clock() };
      return configuration;
    } catch (error) {
      throw new SignInFailure('provider', { cause: error });
    }
  }
}
