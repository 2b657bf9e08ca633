// The jest project 'fabric' runs the shared suites against the real network (test/support/ledger-under-test.ts).
process.env.DOL_TEST_LEDGER = 'fabric';
