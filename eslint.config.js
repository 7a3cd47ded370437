// ESLint flat config: typescript-eslint's recommended rules over src, test, bench and scripts (`npm run lint`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/generated/**', 'oclif.manifest.json']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', structuredClone: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', performance: 'readonly', fetch: 'readonly', Headers: 'readonly', queueMicrotask: 'readonly'},
    },
    rules: {
      // The tool matches control characters on purpose (formula guard, text cleaning, UTF-8 and export checks).
      'no-control-regex': 'off',
      // Destructuring a field away (`const {in_flight: _inFlight, ...n} = ...`) and unused parameters of an
      // interface's implementation are named with a leading underscore.
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true}],
    },
  },
  {
    // Tests use jest's globals.
    files: ['test/**/*.ts'],
    languageOptions: {globals: {describe: 'readonly', it: 'readonly', test: 'readonly', expect: 'readonly', beforeAll: 'readonly', afterAll: 'readonly', beforeEach: 'readonly', afterEach: 'readonly', jest: 'readonly'}},
    // Tests mutate untyped copies of YAML configs (structuredClone(cfg) as Record<string, any>) to build bad ones.
    rules: {'@typescript-eslint/no-explicit-any': 'off'},
  },
);
