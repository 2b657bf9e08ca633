/** One jest run over every package; ts-jest compiles TypeScript in place. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/chaincode/src', '<rootDir>/scripts/src', '<rootDir>/gateway-api/src', '<rootDir>/test'],
  setupFiles: ['<rootDir>/jest.setup.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', isolatedModules: true }] },
  moduleNameMapper: {
    '^@dol/chaincode$': '<rootDir>/chaincode/src/index.ts',
    '^@dol/chaincode/(contract|testing)$': '<rootDir>/chaincode/src/$1/index.ts',
    '^@dol/scripts$': '<rootDir>/scripts/src/index.ts',
    '^@dol/gateway-api$': '<rootDir>/gateway-api/src/index.ts',
  },
  testTimeout: 30000,
};
