import type * as OpenIdClientModule from 'openid-client';

/** openid-client's API (v6: an ES module only). */
export type OpenIdClient = typeof OpenIdClientModule;

/**
 * Loads openid-client with Node's own `require`, which loads ES modules since Node 22.12 (the
 * engines' floor). Node's require is asked for explicitly (process.getBuiltinModule) rather than
 * the module-local one: under jest, the local require is jest's, which reads files as CommonJS and
 * cannot load an ES module without transforming it; Node's loads it the same way in tests as in
 * the gateway.
 */
export function loadOpenIdClient(): OpenIdClient {
  const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
  return nodeRequire('openid-client') as OpenIdClient;
}
