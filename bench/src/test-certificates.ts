/**
 * FOR TESTS AND BENCHMARKS: a throwaway CA, a server certificate for 127.0.0.1 and localhost, and a
 * terminal's client certificate (subject CN = the terminalId), made with openssl in `dir`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM texts and their files. */
export interface TestCertificates {
  readonly dir: string;
  readonly caPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly terminalCertPem: string;
  readonly terminalKeyPem: string;
  /** Files, for a gateway process's DOL_TLS_* settings. */
  readonly files: { readonly ca: string; readonly serverCert: string; readonly serverKey: string };
}

export function makeTestCertificates(dir: string, terminalId: string): TestCertificates {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const sign = (name: string, extra: string[] = []): void => {
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', ...extra);
  };
  ssl('req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=test CA');
  ssl('req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  sign('server', ['-extfile', 'san.ext']);
  ssl('req', ...key, '-keyout', 'terminal.key', '-out', 'terminal.csr', '-subj', `/CN=${terminalId}`);
  sign('terminal');
  const pem = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return {
    dir, caPem: pem('ca.crt'), serverCertPem: pem('server.crt'), serverKeyPem: pem('server.key'), terminalCertPem: pem('terminal.crt'), terminalKeyPem: pem('terminal.key'),
    files: { ca: join(dir, 'ca.crt'), serverCert: join(dir, 'server.crt'), serverKey: join(dir, 'server.key') },
  };
}
