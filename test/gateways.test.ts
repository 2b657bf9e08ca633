import { gatewayPort, gatewayUrl, intakeUrl, layout, LOOPBACK_HOSTS, SOCKET_DATABASE_URL, type GatewayPlan, type OrgHost, type OrgKey } from '@dol/network';

/** Where each organisation's gateway answers, and how its intake reaches PostgreSQL, on loopback and on separate hosts. */
const onHosts = Object.fromEntries((['orderer', 'operator', 'campus', 'audit', 'bureau'] as const).map((o, i) => [o, { name: `${o}.dol.test`, address: `10.231.0.${String(10 + i)}`, namespace: `dol-${o}` }])) as Record<OrgKey, OrgHost>;
const plan: GatewayPlan = { firstPort: 8480, databaseUrl: SOCKET_DATABASE_URL, schemaPrefix: 'dol_', operatorGateways: 2 };

describe('gateways on their hosts', () => {
  const saved = process.env.DOL_DATABASE_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.DOL_DATABASE_URL;
    else process.env.DOL_DATABASE_URL = saved;
  });

  it('answer at each organisation\'s host name, OperatorOrg first, extra OperatorOrg gateways after AuditOrg', () => {
    const l = layout('/tmp/none', 7400, 1, onHosts);
    expect(gatewayUrl(l, plan, 'operator')).toBe('https://operator.dol.test:8480');
    expect(gatewayUrl(l, plan, 'campus')).toBe('https://campus.dol.test:8481');
    expect(gatewayUrl(l, plan, 'audit')).toBe('https://audit.dol.test:8482');
    expect(gatewayPort(plan, 'operator', 1)).toBe(8483);
    expect(gatewayUrl(layout('/tmp/none', 7000, 1, LOOPBACK_HOSTS), plan, 'audit')).toBe('https://127.0.0.1:8482');
  });

  it('on loopback, use the URL asked for, else the environment\'s, else PostgreSQL on 127.0.0.1', () => {
    const l = layout('/tmp/none', 7000, 1);
    delete process.env.DOL_DATABASE_URL;
    expect(intakeUrl(l, undefined)).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    process.env.DOL_DATABASE_URL = 'postgres://u@127.0.0.1:6543/x';
    expect(intakeUrl(l, undefined)).toBe('postgres://u@127.0.0.1:6543/x');
    expect(intakeUrl(l, 'postgres://v@127.0.0.1/y')).toBe('postgres://v@127.0.0.1/y');
  });

  it('in namespaces, reach PostgreSQL by a Unix socket only, and refuse a TCP address with a clear reason', () => {
    const l = layout('/tmp/none', 7400, 1, onHosts);
    process.env.DOL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
    // The environment's TCP address is for this machine's own namespace: the gateways take the socket.
    expect(() => intakeUrl(l, 'postgres://postgres:secret@127.0.0.1:5432/postgres')).toThrow(/cannot be reached: name PostgreSQL by its Unix socket/);
    expect(() => intakeUrl(l, 'postgres://postgres:secret@127.0.0.1:5432/postgres')).not.toThrow(/secret/);
    expect(intakeUrl(l, 'postgresql://me@/db?host=/run/pg')).toBe('postgresql://me@/db?host=/run/pg');
    expect(intakeUrl(l, 'socket:/run/pg?db=x')).toBe('socket:/run/pg?db=x');
    process.env.DOL_DATABASE_URL = 'postgresql://me@/db?host=/run/pg';
    expect(intakeUrl(l, undefined)).toBe('postgresql://me@/db?host=/run/pg');
  });
});
