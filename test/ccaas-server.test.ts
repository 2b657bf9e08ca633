import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@dol/bench';

/**
 * The built contract served as chaincode-as-a-service by fabric-shim's own server, the process a
 * peer connects to: it must load, listen on 127.0.0.1 and stop cleanly. (Whether a peer then
 * drives it is the network's test, which needs Fabric's binaries; see README.)
 */
const ROOT = join(__dirname, '..');
const MODULE = join(ROOT, 'chaincode', 'ccaas');
const BUILT = join(ROOT, 'chaincode', 'dist', 'contract', 'index.js');
const CLI = join(ROOT, 'node_modules', 'fabric-shim', 'cli.js');

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

describe('chaincode as a service', () => {
  it('serves the contract on 127.0.0.1 with fabric-shim and stops on SIGTERM', async () => {
    expect(existsSync(BUILT)).toBe(true); // built by `npm test` (tsc -b) before jest runs
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'server', '--chaincode-address', `127.0.0.1:${port}`, '--chaincode-id', 'settlement_0.1:0000', '--module-path', MODULE], {
      env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'WARNING' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
      resolve(code);
    }));
    try {
      let up = false;
      for (let i = 0; i < 100 && !up && child.exitCode === null; i++) {
        up = await canConnect(port);
        if (!up) await new Promise((r) => setTimeout(r, 100));
      }
      expect({ up, output: up ? '' : output }).toEqual({ up: true, output: '' });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(await canConnect(port)).toBe(false);
  });
});
