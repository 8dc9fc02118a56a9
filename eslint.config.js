// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  // .bench-tmp/: bench:lab's compiled tools while it runs.
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.bench-tmp/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error'],
      // prettier wraps code at 110 but leaves comments and strings alone: this catches those.
      // Prose strings are broken with +, which keeps the printed text the same.
      'max-len': ['error', { code: 110, comments: 110, ignoreUrls: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // Entry files, the bench and the lab's command line are where console and process.exit belong.
    files: ['client/cli/main.ts', 'bin/**', 'bench/**', 'test/lab/main.ts', 'test/**/fixtures/**'],
    rules: { 'no-console': 'off' },
  },
);
