/**
 * The issuer key of a system `npm start` runs (network/src/system-issuer.ts runs this file as a
 * command): made once in the system's folder, in a SoftHSM2 token of the system's own where
 * SoftHSM2 and the pkcs11js add-on are there (the PIN in a file of mode 0600), else in a key file
 * of mode 0600; restarts find the same key. It answers, as one JSON line, the key's public half and
 * validity (what the ledger registers) and the environment the gateway holding it is started with.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parsePublicJwk, type PublicJwk } from '@dol/chaincode';
import { KeyFileSigner } from './issuer-keyring';
import { Pkcs11Token, SOFTHSM2_MODULE, pkcs11Unavailable } from './pkcs11-signer';

/** The label of a system's own SoftHSM2 token. */
export const SYSTEM_TOKEN = 'dol-issuer';
/** How long a system's first key is registered for: from a day back (clocks differ) to two years on, when it is rotated. */
const VALID_BEFORE_MS = 86_400_000;
const VALID_FOR_MS = 2 * 365 * 86_400_000;

/** What a system's issuer folder records of its key (key.json): never a secret. */
interface KeyRecord {
  readonly keyId: string;
  readonly kind: 'pkcs11' | 'file';
  readonly validFrom: number;
  readonly validTo: number;
}

/** A system's issuer key as the system registers it and configures its gateway. */
export interface SystemIssuerKey extends KeyRecord {
  readonly alg: 'ES256';
  readonly publicKey: PublicJwk;
  /** Made now (false: found from an earlier start). */
  readonly created: boolean;
  /** Where the private key is, in words (printed by npm start). */
  readonly where: string;
  /** The gateway's environment for it: DOL_ISSUER_KEYS, or DOL_ISSUER_PKCS11_* and SOFTHSM2_CONF. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Writes a SoftHSM2 configuration whose tokens live in `<dir>/tokens` (mode 700) and answers its
 * path: SoftHSM2 reads it from SOFTHSM2_CONF when its module is initialised, so each system (and
 * each test) has tokens of its own instead of the machine's /var/lib/softhsm.
 */
export function softHsmConfig(dir: string): string {
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`, { mode: 0o600 });
  return conf;
}

const secret = (): string => randomBytes(24).toString('base64url');
const writeSecret = (path: string, value: string): void => {
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
};
const readSecret = (path: string): string => readFileSync(path, 'utf8').trim();

const KeyRecordJson = z.strictObject({ keyId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/), kind: z.enum(['pkcs11', 'file']), validFrom: z.number().int(), validTo: z.number().int() });
const readRecord = (file: string): KeyRecord => KeyRecordJson.parse(JSON.parse(readFileSync(file, 'utf8')));

/** The system's key in its own SoftHSM2 token: made (token and key) when `created`, else opened. */
async function inToken(dir: string, record: KeyRecord, created: boolean): Promise<SystemIssuerKey> {
  const conf = softHsmConfig(dir);
  const pinFile = join(dir, 'pin');
  const options = { module: SOFTHSM2_MODULE, token: SYSTEM_TOKEN, pin: created ? secret() : readSecret(pinFile) };
  let token: Pkcs11Token;
  if (created) {
    // Only a start that failed half-way left tokens here (key.json is written last): they held no usable key.
    rmSync(join(dir, 'tokens'), { recursive: true, force: true });
    softHsmConfig(dir);
    // The security officer's PIN only ever resets the user PIN: kept beside it, as private.
    const soPin = secret();
    writeSecret(join(dir, 'so-pin'), soPin);
    writeSecret(pinFile, options.pin);
    token = Pkcs11Token.initialise({ ...options, soPin });
  } else token = Pkcs11Token.open(options);
  try {
    const signer = created ? await token.generateKey(record.keyId) : await token.signer(record.keyId);
    return {
      ...record, alg: 'ES256', publicKey: signer.publicJwk, created,
      where: `in SoftHSM2 token ${SYSTEM_TOKEN} (${join(dir, 'tokens')}), not extractable; its PIN in ${pinFile} (mode 600)`,
      env: { SOFTHSM2_CONF: conf, DOL_ISSUER_PKCS11_MODULE: SOFTHSM2_MODULE, DOL_ISSUER_PKCS11_TOKEN: SYSTEM_TOKEN, DOL_ISSUER_PKCS11_PIN_FILE: pinFile, DOL_ISSUER_PKCS11_KEYS: record.keyId },
    };
  } finally {
    token.close();
  }
}

/** The system's key in a PKCS#8 file only its owner reads. */
function inFile(dir: string, record: KeyRecord, created: boolean, why: string): SystemIssuerKey {
  const path = join(dir, `${record.keyId}.pem`);
  const signer = created ? KeyFileSigner.create(record.keyId, path) : KeyFileSigner.load(record.keyId, path);
  return {
    ...record, alg: 'ES256', publicKey: parsePublicJwk(signer.publicJwk), created,
    where: `in key file ${path} (mode 600)${why === '' ? '' : `, not in an HSM: ${why}`}`, env: { DOL_ISSUER_KEYS: `${record.keyId}=${path}` },
  };
}

/**
 * The issuer key of the system whose issuer folder is `dir`: the one made at an earlier start, or
 * a new one made now (in SoftHSM2 where it can be, else in a key file, saying why).
 * SoftHSM2's module reads SOFTHSM2_CONF when it is initialised, so this sets it for this process:
 * run it in a process of its own (the command below), never inside a gateway.
 */
export async function ensureSystemIssuerKey(dir: string, now: number): Promise<SystemIssuerKey> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf');
  const recordFile = join(dir, 'key.json');
  if (existsSync(recordFile)) {
    const kept = readRecord(recordFile);
    return kept.kind === 'pkcs11' ? inToken(dir, kept, false) : inFile(dir, kept, false, '');
  }
  const why = pkcs11Unavailable(SOFTHSM2_MODULE) ?? '';
  const day = new Date(now).toISOString().slice(0, 10).replace(/-/g, '');
  const record: KeyRecord = { keyId: `issuer-${day}-${randomBytes(3).toString('hex')}`, kind: why === '' ? 'pkcs11' : 'file', validFrom: now - VALID_BEFORE_MS, validTo: now + VALID_FOR_MS };
  const key = record.kind === 'pkcs11' ? await inToken(dir, record, true) : inFile(dir, record, true, why);
  // Written last: a start that failed half-way makes the key again instead of finding half of it.
  writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return key;
}

const USAGE = 'usage: node gateway-api/dist/issuer/issuer-keys.js ensure <issuer-folder>\n'
  + '  Makes the system\'s issuer key once (SoftHSM2 token, else a key file) and prints it as JSON.\n';

if (require.main === module) {
  const [command, dir] = process.argv.slice(2);
  if (command !== 'ensure' || dir === undefined) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  ensureSystemIssuerKey(dir, Date.now()).then((key) => {
    process.stdout.write(`${JSON.stringify(key)}\n`);
  }, (error: unknown) => {
    process.stderr.write(`issuer key: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
