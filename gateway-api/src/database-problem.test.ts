import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { databaseProblem, databaseTarget, explainDatabaseFailure, shownDatabaseUrl } from './database-problem';

const DIST = resolve(__dirname, '..', 'dist');

/** A loopback port nothing listens on: one the system just gave out and took back. */
function closedPort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        done(port);
      });
    });
  });
}

/** What pg rejects with when it connects to `url`. */
async function connectError(url: string): Promise<unknown> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await pool.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await pool.end();
  }
}

describe('shownDatabaseUrl and databaseTarget', () => {
  it('hide the password and read host, port, database and user as pg does', () => {
    expect(shownDatabaseUrl('postgres://dol:s3cret@db.campus:6543/ledger')).toBe('postgres://dol:***@db.campus:6543/ledger');
    expect(shownDatabaseUrl('postgres://postgres@127.0.0.1:5432/postgres')).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(databaseTarget('postgres://dol:s3cret@db.campus:6543/ledger')).toEqual({ host: 'db.campus', port: '6543', database: 'ledger', user: 'dol' });
    expect(databaseTarget('postgresql://postgres@/postgres?host=/var/run/postgresql')).toEqual({ host: '/var/run/postgresql', port: '5432', database: 'postgres', user: 'postgres' });
    expect(databaseTarget('not a url')).toBeUndefined();
  });
});

describe('databaseProblem', () => {
  it('names the database pg could not reach (host, port, database; password hidden) and says what to do', async () => {
    const port = await closedPort();
    const url = `postgres://postgres:s3cret@127.0.0.1:${String(port)}/campus`;
    const message = databaseProblem(url, await connectError(url));
    expect(message).toContain(`cannot use the database postgres://postgres:***@127.0.0.1:${String(port)}/campus (host 127.0.0.1, port ${String(port)}, database campus; DOL_DATABASE_URL)`);
    expect(message).toContain(`connect ECONNREFUSED 127.0.0.1:${String(port)}`);
    expect(message).toContain('start PostgreSQL at 127.0.0.1');
    expect(message).not.toContain('s3cret');
  });

  it('says a missing database is missing, and how to create it', () => {
    const error = Object.assign(new Error('database "nodb" does not exist'), { code: '3D000' });
    expect(databaseProblem('postgres://postgres@127.0.0.1:5432/nodb', error)).toMatch(/database nodb; DOL_DATABASE_URL\): database "nodb" does not exist\. The server has no database nodb: create it \(createdb nodb\)/);
  });

  it('leaves other errors alone: another address refusing, a missing file, a plain error', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/postgres';
    const peer = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7051'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 7051 });
    const file = Object.assign(new Error("ENOENT: no such file or directory, open '/x/credentials.json'"), { code: 'ENOENT', path: '/x/credentials.json' });
    for (const error of [peer, file, new Error('boom')]) {
      expect(databaseProblem(url, error)).toBeUndefined();
      expect(explainDatabaseFailure(url, error)).toBe(error);
    }
  });
});

describe('the gateway and ledger:verify with an unreachable database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dol-db-problem-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('each exits non-zero naming the database, password hidden, and what to do', async () => {
    const port = await closedPort();
    const url = `postgres://postgres:s3cret@127.0.0.1:${String(port)}/campus`;
    const credentials = join(dir, 'credentials.json');
    writeFileSync(credentials, '[]');
    const env = { ...process.env, DOL_DATABASE_URL: url, DOL_LEDGER: 'embedded', DOL_PORT: '0', DOL_CREDENTIALS_FILE: credentials };
    const runs = [join(DIST, 'ledger-verify.js'), join(DIST, 'main.js')].map((main) => spawnSync(process.execPath, [main], { env, encoding: 'utf8', timeout: 60_000 }));
    for (const run of runs) {
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(`(host 127.0.0.1, port ${String(port)}, database campus; DOL_DATABASE_URL)`);
      expect(run.stderr).toContain('Nothing answers there: start PostgreSQL');
      expect(run.stderr).not.toContain('s3cret');
    }
  });
});
