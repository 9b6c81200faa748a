import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NO_SHELL = [
  ...['child_process', 'node:child_process'].map((name) => ({ name, importNames: ['exec', 'execSync'],
    message: 'a shell string: use execa with an argv array (src/core/util/toolProcess.ts)' })),
  { name: 'execa', importNames: ['execaCommand', 'execaCommandSync', '$'], message: 'a command string: pass an argv array to execa' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'bench/data/**', 'bench/floor/assembly/**', 'test-artifacts/**'] },
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
    // The flow summary webview runs in a browser (VS Code's webview), not in Node: no Node
    // modules, no VS Code API (it talks to the host through src/shared/webviewProtocol.ts).
    files: ['webview/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'the webview has no VS Code API: post a message (src/shared/webviewProtocol.ts)' }],
        patterns: [{ group: ['node:*'], message: 'the webview runs in a browser: no Node modules' }],
      }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Child processes get argv arrays, never a shell string: no exec/execSync (named, default or
    // namespace import), no execa command strings, no `shell: true`.
    files: ['src/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: NO_SHELL }],
      'no-restricted-syntax': ['error', { selector: "Property[key.name='shell'][value.value=true]", message: 'no shell: pass an argv array' }],
    },
  },
  {
    // The core never imports VS Code (also checked by scripts/check-core-imports.mjs); the
    // no-shell imports again (a later block replaces the rule's options, it does not add to them).
    files: ['src/core/**', 'src/shared/**', 'src/cli/**', 'src/lab/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core must not depend on VS Code' }, ...NO_SHELL] }],
    },
  },
);
