import { CSV_VIEWS, csvFile, toCsv } from './csv';

describe('CSV files of the lists auditors see', () => {
  it('writes RFC 4180: a header of every field, CRLF lines, quotes doubled, commas and newlines quoted', () => {
    expect(toCsv([{ a: 'x', b: 'say "hi", then\nleave' }, { a: 'y', c: 3 }])).toBe('a,b,c\r\nx,"say ""hi"", then\nleave",\r\ny,,3\r\n');
  });

  it('keeps amounts as the decimal strings of minor units the JSON answers, negatives included, and adds UTC beside ms times', () => {
    expect(toCsv([{ amount: '-2300', at: Date.UTC(2026, 11, 1, 4, 3, 4) }])).toBe(`amount,at,atUtc\r\n-2300,${String(Date.UTC(2026, 11, 1, 4, 3, 4))},2026-12-01T04:03:04.000Z\r\n`);
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(toCsv([{ name: '=HYPERLINK("x")' }, { name: '@SUM(1)' }, { name: '+1+2' }])).toBe('name\r\n"\'=HYPERLINK(""x"")"\r\n\'@SUM(1)\r\n\'+1+2\r\n');
  });

  it('turns a statement into one row per posting, with its transaction and time', () => {
    const rows = CSV_VIEWS.statement.rows({ account: 's1', entries: [{ txId: 't1', at: 5, postings: [{ from: 'a', to: 'b', amount: '1', ref: 'r' }, { from: 'c', to: 'd', amount: '2', ref: 'r' }] }] });
    expect(rows).toEqual([{ account: 's1', at: 5, txId: 't1', from: 'a', to: 'b', amount: '1', ref: 'r' }, { account: 's1', at: 5, txId: 't1', from: 'c', to: 'd', amount: '2', ref: 'r' }]);
  });

  it('writes the header row alone for an empty list, its columns declared by the view', () => {
    expect(csvFile('payments', [], []).text).toBe('account,amount,at,atUtc,code,digest,edge,merchantId,merchantName,paymentId,reason,seq,terminalId,txId\r\n');
    expect(csvFile('debts', { asOf: 5, totals: {}, debts: [] }, []).text).toBe('account,advance,ageDays,bucket,credit,group,since,sinceUtc,status,asOf,asOfUtc\r\n');
    for (const view of Object.keys(CSV_VIEWS) as (keyof typeof CSV_VIEWS)[]) expect(csvFile(view, null, []).text).toMatch(/^[A-Za-z]+(,[A-Za-z]+)*\r\n$/);
  });

  it('keeps the declared columns first and still writes a field the view does not declare', () => {
    expect(toCsv([{ b: 1, extra: 'x' }], ['a', 'b'])).toBe('a,b,extra\r\n,1,x\r\n');
  });

  it('names each file after its resource and path parameters, never after an operation id', () => {
    expect(csvFile('debts', null, []).name).toBe('debts.csv');
    expect(csvFile('statement', null, ['s00008']).name).toBe('statement-s00008.csv');
    expect(csvFile('lossReports', null, []).name).toBe('loss-reports.csv');
    expect(csvFile('payout', null, ['canteen 1', 'p/1']).name).toBe('payout-canteen_1-p_1.csv');
  });
});

describe('CSV files carry what the JSON answers carry', () => {
  const by = { fn: 'TopUp', mspId: 'OperatorOrgMSP', role: 'operator', subject: 'olga' };

  it("gives each statement row who acted and the account's balances after the transaction, and the opening (no postings) a row", () => {
    const body = { account: 's1', entries: [
      { txId: 't0', at: 1, postings: [], by: { ...by, fn: 'OpenAccount', role: 'finance', subject: 'fei' }, balancesAfter: { 'wallet:s1': '0', 'credit:s1': '0', 'advance:s1': '0', 'points:s1': '0' } },
      { txId: 't1', at: 2, postings: [{ from: 'topup-clearing', to: 'wallet:s1', amount: '500', ref: 'topup:x' }], by, balancesAfter: { 'wallet:s1': '500', 'credit:s1': '0', 'advance:s1': '-20', 'points:s1': '7' } },
    ] };
    const lines = csvFile('statement', body, ['s1']).text.split('\r\n');
    expect(lines[0]).toBe('account,at,atUtc,txId,from,to,amount,ref,bySubject,byRole,byOrg,walletAfter,creditAfter,advanceAfter,pointsAfter');
    expect(lines[1]).toBe('s1,1,1970-01-01T00:00:00.001Z,t0,,,,,fei,finance,OperatorOrgMSP,0,0,0,0');
    expect(lines[2]).toBe('s1,2,1970-01-01T00:00:00.002Z,t1,topup-clearing,wallet:s1,500,topup:x,olga,operator,OperatorOrgMSP,500,0,-20,7');
  });

  it("gives each payout row the payout's total, time, transaction and who paid it; a payout of nothing is one row", () => {
    const payout = { payoutId: 'p1', merchantId: 'm1', merchantName: 'North canteen', txId: 'tp', at: 9, total: '300', by: { ...by, fn: 'Payout' },
      lines: [{ amount: '100', at: 3, batchSeq: 1, terminalId: 'pos-1', txId: 'b1' }, { amount: '200', at: 4, batchSeq: 2, terminalId: 'pos-1', txId: 'b2' }] };
    const rows = CSV_VIEWS.payout.rows(payout);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({ payoutId: 'p1', merchantId: 'm1', merchantName: 'North canteen', amount: '200', at: 4, batchSeq: 2, terminalId: 'pos-1', txId: 'b2', total: '300', paidAt: 9, payoutTxId: 'tp', runId: undefined, bySubject: 'olga', byRole: 'operator', byOrg: 'OperatorOrgMSP' });
    expect(CSV_VIEWS.payout.rows({ ...payout, total: '0', lines: [] })).toEqual([{ payoutId: 'p1', merchantId: 'm1', merchantName: 'North canteen', total: '0', paidAt: 9, payoutTxId: 'tp', runId: undefined, bySubject: 'olga', byRole: 'operator', byOrg: 'OperatorOrgMSP' }]);
  });

  it("gives each advance line (an advance or a recovery) a row with its account's totals", () => {
    const body = [{ account: 's1', advanced: '50', recovered: '20', outstanding: '30', lines: [
      { kind: 'advance', from: 'advance:s1', to: 'merchant:m1', amount: '50', ref: 'sale:pos-1:4' }, { kind: 'recovery', from: 'topup-clearing', to: 'advance:s1', amount: '20', ref: 'topup:x' },
    ] }];
    expect(csvFile('advances', body, []).text).toBe('account,advanced,outstanding,recovered,kind,from,to,amount,ref\r\n'
      + 's1,50,30,20,advance,advance:s1,merchant:m1,50,sale:pos-1:4\r\ns1,50,30,20,recovery,topup-clearing,advance:s1,20,topup:x\r\n');
  });
});
