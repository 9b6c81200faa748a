import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'bench/data/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The flow summary webview runs in a browser (VS Code's webview), not in Node.
    files: ['webview/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The core never imports VS Code (also checked by scripts/check-core-imports.mjs).
    files: ['src/core/**', 'src/shared/**', 'src/cli/**', 'src/lab/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core must not depend on VS Code' }] }],
    },
  },
  {
    // The one place that builds child processes must use argv arrays: no shell strings.
    files: ['src/**'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'child_process', property: 'exec', message: 'use execFile/spawn with an argv array' },
        { object: 'child_process', property: 'execSync', message: 'use execFileSync with an argv array' }],
    },
  },
);
