import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', SharedArrayBuffer: 'readonly', Atomics: 'readonly', performance: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The dashboard's script runs in the browser, inline in its page.
    files: ['src/master/observe/http/page/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly', location: 'readonly', history: 'readonly', EventSource: 'readonly', URLSearchParams: 'readonly' } },
  },
);
