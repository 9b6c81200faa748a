// A tsconfig per runtime: the webview compiles without Node's and VS Code's types (it runs in a
// browser), the core and the CLI without the DOM (VS Code: eslint), the extension host with both Node
// and VS Code. Each is checked by compiling a probe file with that project's options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');

/** The diagnostics of `code` compiled as `<dir>/__probe__.ts` with `project`'s options. */
function probe(project: string, dir: string, code: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(ROOT, project), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } });
  assert.ok(parsed, project);
  const file = join(ROOT, dir, '__probe__.ts');
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, lang, ...rest) => (resolve(name) === file ? ts.createSourceFile(name, code, lang) : getSourceFile.call(host, name, lang, ...rest));
  host.fileExists = (name) => resolve(name) === file || fileExists.call(host, name);
  host.readFile = (name) => (resolve(name) === file ? code : readFile.call(host, name));
  const program = ts.createProgram({ rootNames: [file], options: parsed.options, host });
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName && resolve(d.file.fileName) === file)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
}

const NODE = "import { readFileSync } from 'node:fs';\nexport const a = process.pid + Buffer.byteLength('x') + readFileSync('x').length;\n";
const VSCODE = "import * as vscode from 'vscode';\nexport const w = vscode.window;\n";
const BROWSER = "export const t = document.title;\nexport const e: HTMLElement | null = document.querySelector('div');\n";

test('the webview: the DOM, no Node, no VS Code', () => {
  assert.deepEqual(probe('webview/tsconfig.json', 'webview', BROWSER), []);
  const d = probe('webview/tsconfig.json', 'webview', NODE).join('\n');
  assert.match(d, /Cannot find module 'node:fs'/);
  assert.match(d, /Cannot find name 'process'/);
  assert.match(d, /Cannot find name 'Buffer'/);
  // (An explicit `import 'vscode'` is refused by eslint in webview/: test/unit/lintRules.test.ts.)
});

test('the core and the CLI: Node, no DOM', () => {
  assert.deepEqual(probe('tsconfig.json', 'src/core', NODE), []);
  const d = probe('tsconfig.json', 'src/core', BROWSER).join('\n');
  assert.match(d, /Cannot find name 'document'/);
  assert.match(d, /Cannot find name 'HTMLElement'/);
});

test('the extension host: Node and VS Code', () => {
  assert.deepEqual(probe('src/extension/tsconfig.json', 'src/extension', NODE + VSCODE), []);
  assert.match(probe('src/extension/tsconfig.json', 'src/extension', BROWSER).join('\n'), /Cannot find name 'document'/);
});
