/**
 * Two jest projects over every package; ts-jest compiles TypeScript in place.
 * - unit: everything that needs no Fabric network (the in-memory stub, PostgreSQL, HTTP).
 * - fabric: tests against a real Fabric network that the project's own scripts start
 *   (test/fabric/global-setup.ts), run one file at a time by scripts/test-fabric.sh whenever
 *   Fabric's binaries are found.
 */
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  setupFiles: ['<rootDir>/jest.setup.js'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', isolatedModules: true }],
    // @hyperledger/fabric-gateway loads @noble's ES modules: babel-jest (jest's own) makes them CommonJS.
    '/node_modules/@noble/.+\\.js$': ['babel-jest', { plugins: ['@babel/plugin-transform-modules-commonjs'] }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@noble/)'],
  moduleNameMapper: {
    '^@dol/chaincode$': '<rootDir>/chaincode/src/index.ts',
    '^@dol/chaincode/(contract|testing|embedded)$': '<rootDir>/chaincode/src/$1/index.ts',
    '^@dol/scripts$': '<rootDir>/scripts/src/index.ts',
    '^@dol/terminal$': '<rootDir>/terminal/src/index.ts',
    '^@dol/edge$': '<rootDir>/edge/src/index.ts',
    '^@dol/gateway-api$': '<rootDir>/gateway-api/src/index.ts',
    '^@dol/network$': '<rootDir>/network/src/index.ts',
    '^@dol/bench$': '<rootDir>/bench/src/index.ts',
  },
};

module.exports = {
  projects: [
    {
      ...base,
      displayName: 'unit',
      roots: ['<rootDir>/chaincode/src', '<rootDir>/terminal/src', '<rootDir>/edge/src', '<rootDir>/scripts/src', '<rootDir>/gateway-api/src', '<rootDir>/network/src', '<rootDir>/test'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/fabric/'],
    },
    {
      ...base,
      displayName: 'fabric',
      // The network's own tests, and the shared suites again with DOL_TEST_LEDGER=fabric.
      roots: ['<rootDir>/test'],
      testMatch: ['<rootDir>/test/fabric/**/*.test.ts', '<rootDir>/test/http-api.test.ts', '<rootDir>/test/issuance.test.ts', '<rootDir>/test/scenario.test.ts', '<rootDir>/test/edge.test.ts', '<rootDir>/test/daily-close.test.ts', '<rootDir>/test/campus-value.test.ts'],
      setupFiles: ['<rootDir>/jest.setup.js', '<rootDir>/test/fabric/ledger-env.js'],
      globalSetup: '<rootDir>/test/fabric/global-setup.ts',
      globalTeardown: '<rootDir>/test/fabric/global-teardown.ts',
    },
  ],
  // Budgets bound hangs; they do not race the work (a loaded 2-core machine must pass).
  testTimeout: 900000,
};
