/**
 * The gateway process around any ledger: PostgreSQL intake, worker, HTTP, graceful stop. main.ts
 * runs it over Fabric or the embedded ledger; the crash tests run it over a ledger that survives the process.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type express from 'express';
import { Pool } from 'pg';
import pino from 'pino';
import type { Config, HttpConfig } from './config';
import { assembleGateway } from './assemble';
import { KeyFileSigner, type IssuerSigner } from './issuer/issuer-keyring';
import { Pkcs11Token } from './issuer/pkcs11-signer';
import { IntakeStore } from './intake/intake-store';
import type { LedgerPort } from './ledger/ledger-port';

/** What the process runs with, whichever ledger it was handed. */
export type ServiceConfig = Omit<Config, 'ledger'>;

/**
 * Starts the gateway and prints its URL on stdout. SIGTERM/SIGINT stop it gracefully: no new
 * requests, in-flight submissions finish, the rest stays pending in PostgreSQL.
 */
export async function runGateway(config: ServiceConfig, ledger: LedgerPort & { close(): void }): Promise<void> {
  const log = pino({ level: config.logLevel, redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.privateKey', '*.jws', '*.cookieKey', '*.clientSecret', '*.pin'], censor: '[redacted]' } });
  const pool = new Pool({ connectionString: config.databaseUrl, max: config.worker.concurrency + 8 });
  const store = new IntakeStore(pool, config.dbSchema, config.groups);
  await store.migrate();
  const { signers: issuerSigners, close: closeSigners } = await issuerSignersOf(config);
  log.info({ issuerKeys: issuerSigners.map((s) => s.keyId), pkcs11Token: config.issuerPkcs11?.token }, issuerSigners.length > 0 ? 'issuer keys held' : 'no issuer key: this gateway issues no certificates');
  const { app, worker } = assembleGateway({ ...config, store, ledger, log, issuerSigners, authFailuresPerMinute: config.http.authFailuresPerMinute, terminalCertRequired: config.http.tls?.terminalCertRequired ?? false });
  worker.start();
  const server = listener(app, config.http);
  const scheme = config.http.tls === undefined ? 'http' : 'https';
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = address !== null && typeof address === 'object' ? address.port : config.port;
    log.info({ url: `${scheme}://${config.host}:${port}` }, 'gateway listening');
    process.stdout.write(`gateway API on ${scheme}://${config.host}:${port}  (OpenAPI: /openapi.json, health: /healthz, /readyz)\n`);
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing in-flight work');
    server.close();
    void worker.stop().then(async () => {
      closeSigners();
      ledger.close();
      await pool.end();
      log.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM');
  });
  process.on('SIGINT', () => {
    stop('SIGINT');
  });
}

/**
 * The issuer keys this gateway holds: key files, and keys in a PKCS#11 token (one logged-in
 * session for all of them); both at once while a rotation moves from one to the other.
 */
export async function issuerSignersOf(config: Pick<ServiceConfig, 'issuerKeys' | 'issuerPkcs11'>): Promise<{ signers: IssuerSigner[]; close: () => void }> {
  const files: IssuerSigner[] = config.issuerKeys.map((k) => KeyFileSigner.load(k.keyId, k.path));
  const hsm = config.issuerPkcs11;
  if (hsm === undefined) return { signers: files, close: () => undefined };
  const token = Pkcs11Token.open(hsm);
  try {
    const inToken: IssuerSigner[] = [];
    for (const keyId of hsm.keyIds) inToken.push(await token.signer(keyId));
    return { signers: [...files, ...inToken], close: () => {
      token.close();
    } };
  } catch (error) {
    token.close();
    throw error;
  }
}

/**
 * The HTTP(S) server: headers must arrive within headersTimeoutMs and the whole request within
 * requestTimeoutMs (a connection trickling a byte a second is dropped; checked every second), idle
 * keep-alive connections close after keepAliveTimeoutMs, and at most maxConnections are open.
 * With TLS, client certificates are requested (not required) when a client CA is configured.
 */
export function listener(app: express.Express, http: HttpConfig): Server {
  const timeouts = { headersTimeout: http.headersTimeoutMs, requestTimeout: http.requestTimeoutMs, keepAliveTimeout: http.keepAliveTimeoutMs, connectionsCheckingInterval: 1_000 };
  const server: Server = http.tls === undefined ? createHttpServer(timeouts, app)
    : createHttpsServer({ ...timeouts, cert: http.tls.certPem, key: http.tls.keyPem, ...(http.tls.clientCaPem === undefined ? {} : { ca: http.tls.clientCaPem, requestCert: true, rejectUnauthorized: false }), minVersion: 'TLSv1.2' }, app);
  server.maxConnections = http.maxConnections;
  return server;
}
