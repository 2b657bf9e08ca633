// One flat config for every package (STYLE.md): typescript-eslint's strict, type-checked rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.fabric/**', 'network/run/**', 'network/test-run/**', 'network/bench-run/**', 'network/fault-run/**', 'bench/caliper/**', 'coverage/**', '*.config.*js', 'jest.setup.js', 'test/fabric/ledger-env.js', 'chaincode/ccaas/index.js', 'console/public/js/**', 'console/dist-types/**', 'wallet/public/js/**', 'wallet/public/sw.js', 'wallet/dist-types/**', 'wallet/scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
);
