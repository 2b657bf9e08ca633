import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinaries, paths, peerAdminEnv } from '@dol/network';
import { testLayout } from '../fabric/test-network';

/**
 * Runs the Fabric CLI commands a proof prints, as AuditOrg's admin against AuditOrg's own peer and
 * the orderer: the placeholders are filled with that org's TLS roots and the peer address is
 * replaced by AuditOrg's. Returns each command's output.
 */
export async function runProofCommands(commands: readonly string[]): Promise<string[]> {
  const l = testLayout();
  const p = paths(l);
  const peerBin = findBinaries().tools.peer;
  const work = mkdtempSync(join(tmpdir(), 'proof-'));
  try {
    const outputs: string[] = [];
    for (const command of commands) {
      const filled = command
        .replace(/--peerAddresses \S+/, `--peerAddresses 127.0.0.1:${l.ports.peer('audit')}`)
        .replace('<peer TLS CA>', join(p.orgMsp('audit'), 'tlscacerts', 'ca.pem'))
        .replace('<orderer TLS CA>', join(p.orgMsp('orderer'), 'tlscacerts', 'ca.pem'))
        .replace(/^peer /, `${peerBin} `).replace(/&& peer /, `&& ${peerBin} `)
        .replace(/&& configtxlator /, `&& ${findBinaries().tools.configtxlator} `);
      outputs.push(await new Promise<string>((resolve, reject) => {
        execFile('bash', ['-c', filled], { cwd: work, env: { ...process.env, ...peerAdminEnv(l, 'audit') }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`${filled}\n${stderr}`));
          else resolve(stdout);
        });
      }));
    }
    return outputs;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
