/**
 * The issuer key in a hardware security module through PKCS#11 (docs/wallet.md, "The issuer's
 * key"): the private key is made inside the token, sensitive and never extractable, and only used
 * there; the gateway holds one logged-in session and the public half. SoftHSM2 stands in for an
 * HSM in tests and `npm start`. pkcs11js is an optional native add-on: it is loaded only when a
 * key is configured in a module, so a gateway with key files runs where the add-on did not build.
 */
import { createHash, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import type * as Pkcs11js from 'pkcs11js';
import { base64UrlEncode, parsePublicJwk, verifyKeyOf, type PublicJwk } from '@dol/chaincode';
import type { IssuerSigner } from './issuer-keyring';

/** Where Debian's softhsm2 package installs its PKCS#11 module. */
export const SOFTHSM2_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

/** How a token is reached: the module (a shared library), the token's label, the user PIN. */
export interface Pkcs11Options {
  readonly module: string;
  readonly token: string;
  readonly pin: string;
}

type Lib = typeof Pkcs11js;
type Handle = Buffer;

/** CKA_EC_PARAMS of a P-256 key: the DER of the named curve prime256v1 (OID 1.2.840.10045.3.1.7, RFC 5480 §2.1.1.1). */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');
/** Signing calls waiting for the session at most: the issuer service keeps 3 groups in flight, each signing one at a time. */
const MAX_WAITING = 1_000;
/** Token labels are 32 bytes, padded with blanks (PKCS#11 §3.2; some modules pad with NULs). */
const LABEL_BYTES = 32;

const labelOf = (padded: string): string => padded.replace(/[ \0]+$/, '');

function loadPkcs11js(): Lib {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional native add-on, loaded only when a key is in an HSM
    return require('pkcs11js') as Lib;
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    throw new Error(`the issuer key is in a PKCS#11 module, but the optional add-on pkcs11js could not be loaded (${why}): `
      + 'build it (source scripts/runtime.sh && npm rebuild pkcs11js), or hold the key in a file (DOL_ISSUER_KEYS)');
  }
}

/** Why keys in `module` cannot be used on this machine (the module or the add-on missing), or undefined when they can. */
export function pkcs11Unavailable(module: string): string | undefined {
  if (!existsSync(module)) return `PKCS#11 module ${module} not found${module === SOFTHSM2_MODULE ? ' (Debian: apt-get install softhsm2)' : ''}`;
  try {
    loadPkcs11js();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** A module loaded and initialised once per process (C_Initialize twice fails), finalised when its last token closes. */
interface Loaded {
  readonly lib: Lib;
  readonly api: Pkcs11js.PKCS11;
  users: number;
}
const modules = new Map<string, Loaded>();

function acquire(path: string): Loaded {
  const kept = modules.get(path);
  if (kept !== undefined) {
    kept.users += 1;
    return kept;
  }
  if (!existsSync(path)) throw new Error(`PKCS#11 module ${path} not found${path === SOFTHSM2_MODULE ? ' (Debian: apt-get install softhsm2)' : ''}`);
  const lib = loadPkcs11js();
  const api = new lib.PKCS11();
  api.load(path);
  // OS locking: signatures run on libuv's threads (C_SignAsync), several tokens' at once.
  api.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
  const loaded = { lib, api, users: 1 };
  modules.set(path, loaded);
  return loaded;
}

function release(path: string, loaded: Loaded): void {
  loaded.users -= 1;
  if (loaded.users > 0) return;
  modules.delete(path);
  loaded.api.C_Finalize();
}

/** The PKCS#11 return value's name in an error from pkcs11js (`CKR_PIN_INCORRECT`), if it is one. */
const ckr = (error: unknown): string | undefined => (error instanceof Error ? /CKR_[A-Z_]+/.exec(error.message)?.[0] : undefined);

function findSlot(m: Loaded, label: string): Handle {
  const slots = m.api.C_GetSlotList(true);
  const found = slots.filter((s) => labelOf(m.api.C_GetTokenInfo(s).label) === label);
  if (found.length === 1 && found[0] !== undefined) return found[0];
  const seen = slots.map((s) => labelOf(m.api.C_GetTokenInfo(s).label)).filter((l) => l !== '');
  throw new Error(found.length > 1 ? `${String(found.length)} tokens are labelled ${label}: the label must name one`
    : `no PKCS#11 token labelled ${label} (tokens present: ${seen.length > 0 ? seen.join(', ') : 'none'})`);
}

/** A P-256 public key as a JWK, from CKA_EC_POINT: the DER OCTET STRING of the uncompressed point (PKCS#11 2.40 §2.3.3). */
function jwkOfPoint(ecPoint: Buffer): PublicJwk {
  // Some modules give the bare point instead of its DER wrapping.
  const point = ecPoint.length === 67 && ecPoint[0] === 0x04 && ecPoint[1] === 0x41 ? ecPoint.subarray(2) : ecPoint;
  if (point.length !== 65 || point[0] !== 0x04) throw new Error('the public key is not an uncompressed P-256 point');
  return parsePublicJwk({ kty: 'EC', crv: 'P-256', x: base64UrlEncode(point.subarray(1, 33)), y: base64UrlEncode(point.subarray(33)) });
}

/**
 * One logged-in session on one token. Every operation goes through it in turn: a session runs one
 * signature at a time (C_SignInit, then C_Sign). A session the module lost (an HSM restarted) is
 * opened and logged in again once before a signature fails.
 */
export class Pkcs11Token {
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private session: Handle;
  private opened = 0;

  private constructor(private readonly m: Loaded, private readonly options: Pkcs11Options) {
    this.session = this.login();
  }

  /** Opens the module (once per process), finds the token by label, logs in with the user PIN. */
  static open(options: Pkcs11Options): Pkcs11Token {
    const m = acquire(options.module);
    try {
      return new Pkcs11Token(m, options);
    } catch (error) {
      release(options.module, m);
      throw error;
    }
  }

  /**
   * Initialises the uninitialised token of `options.module` (SoftHSM2 always offers one) with a
   * label, a security officer's PIN and the user PIN. Through PKCS#11 itself, so that no PIN is
   * ever on a command line. For tests and `npm start`: a real HSM is initialised by its own tools.
   */
  static initialise(options: Pkcs11Options & { readonly soPin: string }): Pkcs11Token {
    const m = acquire(options.module);
    try {
      const { api, lib } = m;
      const free = api.C_GetSlotList(true).find((s) => (api.C_GetTokenInfo(s).flags & lib.CKF_TOKEN_INITIALIZED) === 0);
      if (free === undefined) throw new Error(`module ${options.module} has no uninitialised token to make ${options.token} in`);
      api.C_InitToken(free, options.soPin, options.token.padEnd(LABEL_BYTES, ' '));
      const session = api.C_OpenSession(findSlot(m, options.token), lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
      try {
        api.C_Login(session, lib.CKU_SO, options.soPin);
        api.C_InitPIN(session, options.pin);
        api.C_Logout(session);
      } finally {
        api.C_CloseSession(session);
      }
      return new Pkcs11Token(m, options);
    } catch (error) {
      release(options.module, m);
      throw error;
    }
  }

  get label(): string {
    return this.options.token;
  }

  /** How often the session was opened anew (an HSM restarted): signers find their key again when it changed. */
  get generation(): number {
    return this.opened;
  }

  /** The add-on's constants (CKA_*, CKO_*, CKM_*). */
  get lib(): Lib {
    return this.m.lib;
  }

  private login(): Handle {
    const { api, lib } = this.m;
    const session = api.C_OpenSession(findSlot(this.m, this.options.token), lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
    try {
      api.C_Login(session, lib.CKU_USER, this.options.pin);
    } catch (error) {
      // The login belongs to the application, not the session: another token object of this process may hold it.
      if (ckr(error) !== 'CKR_USER_ALREADY_LOGGED_IN') {
        api.C_CloseSession(session);
        throw new Error(`login to PKCS#11 token ${this.options.token} refused (${ckr(error) ?? String(error)})`);
      }
    }
    return session;
  }

  /** Runs `work` on the session after every earlier call finished; refused when too many wait. */
  run<T>(work: (api: Pkcs11js.PKCS11, session: Handle, lib: Lib) => Promise<T> | T): Promise<T> {
    if (this.waiting >= MAX_WAITING) return Promise.reject(new Error(`PKCS#11 token ${this.options.token}: ${String(MAX_WAITING)} calls already wait`));
    this.waiting += 1;
    const attempt = (): Promise<T> => Promise.resolve(work(this.m.api, this.session, this.m.lib));
    const next = this.queue.then(attempt, attempt).catch((error: unknown) => {
      if (!['CKR_SESSION_HANDLE_INVALID', 'CKR_SESSION_CLOSED', 'CKR_USER_NOT_LOGGED_IN', 'CKR_DEVICE_REMOVED', 'CKR_TOKEN_NOT_PRESENT'].includes(ckr(error) ?? '')) throw error;
      this.session = this.login();
      this.opened += 1;
      return attempt();
    }).finally(() => {
      this.waiting -= 1;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Handles of the objects of `cls` labelled `label` (at most 2: enough to tell one from many). */
  findObjects(cls: number, label: string): Promise<Handle[]> {
    return this.run((api, session, lib) => {
      api.C_FindObjectsInit(session, [{ type: lib.CKA_CLASS, value: cls }, { type: lib.CKA_LABEL, value: label }]);
      try {
        return api.C_FindObjects(session, 2);
      } finally {
        api.C_FindObjectsFinal(session);
      }
    });
  }

  /** The signer of the P-256 key labelled `keyId`; refused unless its private half is sensitive and not extractable. */
  signer(keyId: string): Promise<Pkcs11Signer> {
    return Pkcs11Signer.find(this, keyId);
  }

  /**
   * Makes a P-256 key pair inside the token, labelled `keyId`: the private half a token object,
   * sensitive and not extractable, so it never leaves the token (CKM_EC_KEY_PAIR_GEN).
   */
  async generateKey(keyId: string): Promise<Pkcs11Signer> {
    const { lib } = this.m;
    if ((await this.findObjects(lib.CKO_PRIVATE_KEY, keyId)).length > 0) throw new Error(`token ${this.options.token} already holds a key labelled ${keyId}`);
    const common = [{ type: lib.CKA_KEY_TYPE, value: lib.CKK_EC }, { type: lib.CKA_TOKEN, value: true }, { type: lib.CKA_LABEL, value: keyId }, { type: lib.CKA_ID, value: Buffer.from(keyId, 'utf8') }];
    await this.run((api, session) => api.C_GenerateKeyPair(session, { mechanism: lib.CKM_EC_KEY_PAIR_GEN }, [
      { type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY }, ...common, { type: lib.CKA_PRIVATE, value: false }, { type: lib.CKA_VERIFY, value: true }, { type: lib.CKA_EC_PARAMS, value: P256_PARAMS },
    ], [
      { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY }, ...common, { type: lib.CKA_PRIVATE, value: true }, { type: lib.CKA_SIGN, value: true },
      { type: lib.CKA_DERIVE, value: false }, { type: lib.CKA_SENSITIVE, value: true }, { type: lib.CKA_EXTRACTABLE, value: false },
    ]));
    return this.signer(keyId);
  }

  /** Closes the session (which ends its login) and, with the last token of the module, the module. */
  close(): void {
    try {
      this.m.api.C_CloseSession(this.session);
    } finally {
      release(this.options.module, this.m);
    }
  }
}

/** An issuer key held in a PKCS#11 token: ES256 by CKM_ECDSA over a SHA-256 digest made here. */
export class Pkcs11Signer implements IssuerSigner {
  readonly alg = 'ES256' as const;

  private constructor(private readonly token: Pkcs11Token, readonly keyId: string, readonly publicJwk: PublicJwk, private key: Handle, private generation: number) {}

  /** Finds the key pair labelled `keyId`, checks the private half cannot leave the token and matches the public half. */
  static async find(token: Pkcs11Token, keyId: string): Promise<Pkcs11Signer> {
    const generation = token.generation;
    const key = await privateKey(token, keyId);
    const jwk = await publicKey(token, keyId);
    const signer = new Pkcs11Signer(token, keyId, jwk, key, generation);
    // A public object of another pair under the same label would make every certificate fail at the ledger: caught here.
    const probe = Buffer.from(`dol-issuer-self-check ${keyId}`, 'utf8');
    const verified = verify('sha256', probe, { key: verifyKeyOf(jwk).key, dsaEncoding: 'ieee-p1363' }, await signer.sign(probe));
    if (!verified) throw new Error(`token ${token.label}: the public key labelled ${keyId} is not the private key's`);
    return signer;
  }

  /** Signs JWS signing input: SHA-256 here, ECDSA in the token; raw r||s, 64 bytes (RFC 7518 §3.4). */
  async sign(data: Buffer): Promise<Buffer> {
    const digest = createHash('sha256').update(data).digest();
    if (this.generation !== this.token.generation) {
      this.key = await privateKey(this.token, this.keyId);
      this.generation = this.token.generation;
    }
    const signature = await this.token.run(async (api, session, lib) => {
      api.C_SignInit(session, { mechanism: lib.CKM_ECDSA }, this.key);
      return api.C_SignAsync(session, digest, Buffer.alloc(64));
    });
    if (signature.length !== 64) throw new Error(`token ${this.token.label}: a P-256 signature of ${String(signature.length)} bytes, not 64`);
    return signature;
  }
}

async function privateKey(token: Pkcs11Token, keyId: string): Promise<Handle> {
  const found = await token.findObjects(token.lib.CKO_PRIVATE_KEY, keyId);
  const key = found[0];
  if (found.length !== 1 || key === undefined) throw new Error(`token ${token.label} holds ${found.length === 0 ? 'no' : 'more than one'} private key labelled ${keyId}`);
  const [type, params, sensitive, extractable] = await token.run((api, session, lib) => api.C_GetAttributeValue(session, key, [
    { type: lib.CKA_KEY_TYPE }, { type: lib.CKA_EC_PARAMS }, { type: lib.CKA_SENSITIVE }, { type: lib.CKA_EXTRACTABLE },
  ]).map((a) => a.value));
  if (type?.[0] !== token.lib.CKK_EC || params?.equals(P256_PARAMS) !== true) throw new Error(`token ${token.label}: key ${keyId} is not a P-256 key`);
  // The rule a key file's mode 0600 stands for: a key that could be read out is refused.
  if (sensitive?.[0] !== 1 || extractable?.[0] !== 0) throw new Error(`token ${token.label}: key ${keyId} could leave the token (CKA_SENSITIVE false or CKA_EXTRACTABLE true): make a new one`);
  return key;
}

async function publicKey(token: Pkcs11Token, keyId: string): Promise<PublicJwk> {
  const found = await token.findObjects(token.lib.CKO_PUBLIC_KEY, keyId);
  const key = found[0];
  if (found.length !== 1 || key === undefined) throw new Error(`token ${token.label} holds ${found.length === 0 ? 'no' : 'more than one'} public key labelled ${keyId}`);
  const [point] = await token.run((api, session, lib) => api.C_GetAttributeValue(session, key, [{ type: lib.CKA_EC_POINT }]).map((a) => a.value));
  if (point === undefined) throw new Error(`token ${token.label}: public key ${keyId} has no CKA_EC_POINT`);
  return jwkOfPoint(point);
}

