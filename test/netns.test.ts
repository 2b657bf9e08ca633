import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { capLink, existingNamespaces, makeHosts, namespacesUnavailable, readTopology, removeHosts, setLink, topologyProblems, type OrgHost } from '@dol/network';

/**
 * Separate hosts on one machine (network/src/netns.ts): namespaces joined by a bridge in a
 * namespace of its own, names resolved per namespace, a link cut and healed, and nothing left
 * behind. The topology file's checks run everywhere; the namespaces need root, and without it
 * this test says loudly that it did not run.
 */
const ROOT = join(__dirname, '..');
const EXAMPLE = join(ROOT, 'network', 'topologies', 'namespaces.example.json');

describe('topology file', () => {
  it('accepts the example and lists every problem of a bad one', () => {
    expect(readTopology(EXAMPLE).hosts.operator).toEqual({ name: 'operator.dol.test', address: '10.231.0.11', namespace: 'dol-operator' });
    const problems = topologyProblems({
      v: 2, extra: 1,
      hosts: {
        orderer: { name: 'orderer.dol.test', address: '8.8.8.8', namespace: 'dol-orderer' },
        operator: { name: 'Operator!', address: '10.0.0.1', namespace: 'dol-operator' },
        campus: { name: 'campus.dol.test', address: '10.0.0.1' },
        registry: { name: 'registry.dol.test', address: '10.0.0.9' },
      },
    });
    expect(problems).toEqual(expect.arrayContaining([
      'unknown field "extra"', 'v must be 1', 'hosts.registry: no such organisation (orderer, operator, campus, audit; or bureau, control)', 'hosts.audit is missing',
      expect.stringContaining('hosts.orderer.address must be a private IPv4 address'), expect.stringContaining('hosts.operator.name must be a DNS name'),
      'hosts.campus.address 10.0.0.1 is also hosts.operator\'s', 'either every organisation names a namespace (separate hosts on one machine) or none does',
    ]));
    expect(topologyProblems(JSON.parse(readFileSync(EXAMPLE, 'utf8')))).toEqual([]);
    expect(readTopology(EXAMPLE).control).toEqual({ name: 'admin.dol.test', address: '10.231.0.9', namespace: 'dol-control' });
  });
});

const unavailable = namespacesUnavailable();
if (unavailable !== undefined) {
  process.stderr.write(`\n!!! NETWORK NAMESPACE TEST NOT RUN: ${unavailable}. Separate hosts on one machine were not tested.\n\n`);
}
(unavailable === undefined ? describe : describe.skip)('separate hosts in network namespaces', () => {
  // Names of this run's own, so that two test runs on one machine never share a namespace.
  const tag = `t${String(process.pid % 10000)}`;
  const hosts: Record<string, OrgHost> = {
    a: { name: 'a.dol.test', address: '10.232.7.11', namespace: `${tag}-a` },
    b: { name: 'b.dol.test', address: '10.232.7.12', namespace: `${tag}-b` },
  };
  const servers: ChildProcess[] = [];
  afterAll(() => {
    for (const s of servers) s.kill('SIGKILL');
    removeHosts(hosts);
  });

  const connect = (from: string, target: string): { ok: boolean; out: string } => {
    const r = spawnSync('ip', ['netns', 'exec', from, process.execPath, '-e', `
      const s = require('net').connect({ host: '${target}', port: 7999, timeout: 1500 });
      s.on('data', (d) => { process.stdout.write(String(d)); process.exit(0); });
      s.on('timeout', () => process.exit(3)); s.on('error', (e) => { process.stdout.write(e.code); process.exit(2); });`], { encoding: 'utf8' });
    return { ok: r.status === 0, out: r.stdout };
  };

  it('joins the hosts by a bridge, resolves their names inside them, cuts and heals a link, and leaves nothing behind', async () => {
    makeHosts(hosts);
    expect(existingNamespaces(hosts).sort()).toEqual([`${tag}-a`, `${tag}-b`, `${tag}-switch`].sort());
    const server = spawn('ip', ['netns', 'exec', `${tag}-b`, process.execPath, '-e', "require('net').createServer((s) => s.end('hello from b')).listen(7999, '10.232.7.12', () => console.log('up'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    servers.push(server);
    await new Promise<void>((resolve) => server.stdout.once('data', () => { resolve(); }));
    // By name, from the other host: /etc/netns/<a>/hosts is its /etc/hosts.
    expect(connect(`${tag}-a`, 'b.dol.test')).toEqual({ ok: true, out: 'hello from b' });
    // The addresses exist only inside the namespaces: none is on this machine's own interfaces (checked without sending anything).
    expect(spawnSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' }).stdout).not.toContain('10.232.7.');
    expect(spawnSync('ip', ['-n', `${tag}-a`, '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' }).stdout).toContain('10.232.7.11/24');
    // A cut cable, then healed.
    setLink(hosts, 'a', 'down');
    expect(connect(`${tag}-a`, 'b.dol.test').ok).toBe(false);
    setLink(hosts, 'a', 'up');
    expect(connect(`${tag}-a`, 'b.dol.test')).toEqual({ ok: true, out: 'hello from b' });
    // A capped link still carries traffic, more slowly.
    capLink(hosts, 'a', 10);
    expect(connect(`${tag}-a`, 'b.dol.test').ok).toBe(true);
    capLink(hosts, 'a', undefined);
    server.kill('SIGKILL');
    removeHosts(hosts);
    expect(existingNamespaces(hosts)).toEqual([]);
    expect(existsSync(`/etc/netns/${tag}-a`)).toBe(false);
  });
});
