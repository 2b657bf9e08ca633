import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The parts of oidc-provider (an ES module without type declarations) this host uses. */
interface ProviderModule {
  readonly Provider: new (issuer: string, configuration: Record<string, unknown>) => { callback(): (req: IncomingMessage, res: ServerResponse) => void };
}

/** A campus provider's one client: the gateway. */
export interface TestClient {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}

/** A running provider. */
export interface TestProvider {
  readonly issuer: string;
  close(): Promise<void>;
}

/**
 * Loads oidc-provider with Node's own require (which loads ES modules), not jest's, which would
 * read it as CommonJS; as gateway-api/src/oidc/openid-client-module.ts loads openid-client.
 */
function loadProviderModule(): ProviderModule {
  const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
  return nodeRequire('oidc-provider') as ProviderModule;
}

/** The provider's ID token signing key: RS256, of this run only (the library's built-in development keys are not used). */
function signingJwks(): { keys: Record<string, unknown>[] } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' }] };
}

/**
 * FOR TESTS: a real OpenID Connect provider (oidc-provider) on 127.0.0.1 over plain HTTP, with its
 * development login pages (any login, any password; then a consent page). The login typed is the
 * subject; `students` says which `student_account` claim (scope `student`) each login carries: a
 * login absent from it carries none.
 */
export async function startTestProvider(client: TestClient, students: Readonly<Record<string, string>>): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const issuer = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  const { Provider } = loadProviderModule();
  // structuredClone is Node's, not the jest sandbox's: the settings become objects of the realm
  // oidc-provider runs in, which it requires (its plain-object check compares constructors).
  const configuration: Record<string, unknown> = structuredClone({
    clients: [{
      client_id: client.clientId, client_secret: client.clientSecret, redirect_uris: [client.redirectUri],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: signingJwks(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'student'],
    claims: { openid: ['sub'], student: ['student_account'] },
    features: { devInteractions: { enabled: true } },
    // Lifetimes in seconds, said here so that the library does not warn that its defaults are used.
    ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  configuration.findAccount = (_ctx: unknown, sub: string) => ({
    accountId: sub,
    claims: () => ({ sub, ...(Object.hasOwn(students, sub) ? { student_account: students[sub] } : {}) }),
  });
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  return {
    issuer,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
