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
    expect(csvFile('payments', [], []).text).toBe('account,amount,at,atUtc,code,digest,edge,merchantId,paymentId,reason,seq,terminalId,txId\r\n');
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
