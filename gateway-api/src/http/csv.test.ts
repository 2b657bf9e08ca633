import { CSV_VIEWS, toCsv } from './csv';

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
    const rows = CSV_VIEWS.statement({ account: 's1', entries: [{ txId: 't1', at: 5, postings: [{ from: 'a', to: 'b', amount: '1', ref: 'r' }, { from: 'c', to: 'd', amount: '2', ref: 'r' }] }] });
    expect(rows).toEqual([{ account: 's1', at: 5, txId: 't1', from: 'a', to: 'b', amount: '1', ref: 'r' }, { account: 's1', at: 5, txId: 't1', from: 'c', to: 'd', amount: '2', ref: 'r' }]);
  });
});
