// The lint rules that keep shell strings and VS Code out of the code fire on the code they are
// meant for (the old rule named child_process.exec as a property, and named imports never
// matched it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: join(__dirname, '..', '..') });

async function rulesHit(code: string, filePath: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath });
  return r.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

test('no shell strings: exec/execSync however imported, execa command strings, shell: true', async () => {
  const cases: Array<[string, RegExp]> = [
    ["import { exec } from 'node:child_process';\nexec('ls');\n", /no-restricted-imports: 'exec' import from 'node:child_process' is restricted/],
    ["import { execSync as run } from 'child_process';\nrun('ls');\n", /no-restricted-imports: 'execSync' import from 'child_process' is restricted/],
    ["import * as cp from 'node:child_process';\ncp.exec('ls');\n", /no-restricted-imports: \* import is invalid because 'exec,execSync' from 'node:child_process' is restricted/],
    ["import { execaCommand } from 'execa';\nvoid execaCommand('ls -l');\n", /no-restricted-imports: 'execaCommand' import from 'execa' is restricted/],
    ["import { spawn } from 'node:child_process';\nspawn('ls', ['-l'], { shell: true });\n", /no-restricted-syntax: no shell: pass an argv array/],
  ];
  for (const file of ['src/core/capture/probe.ts', 'src/extension/probe.ts']) {
    for (const [code, want] of cases) {
      const hits = await rulesHit(code, file);
      assert.ok(hits.some((h) => want.test(h)), `${file}: ${code.split('\n')[0]} → ${hits.join(' | ') || 'nothing'}`);
    }
  }
  assert.deepEqual(await rulesHit("import { spawn } from 'node:child_process';\nspawn('ls', ['-l'], { shell: false });\n", 'src/core/capture/probe.ts'), [], 'an argv array is fine');
});

test('the core and the webview import no VS Code, the extension may; the webview no Node module', async () => {
  const code = "import * as vscode from 'vscode';\nvoid vscode;\n";
  assert.ok((await rulesHit(code, 'src/core/alerts/probe.ts')).some((h) => /no-restricted-imports: 'vscode' import is restricted/.test(h)));
  assert.ok((await rulesHit(code, 'webview/probe.ts')).some((h) => /no-restricted-imports: 'vscode' import is restricted/.test(h)));
  assert.ok((await rulesHit("import { readFileSync } from 'node:fs';\nvoid readFileSync;\n", 'webview/probe.ts')).some((h) => /no-restricted-imports: 'node:fs' import is restricted/.test(h)));
  assert.deepEqual(await rulesHit(code, 'src/extension/probe.ts'), []);
});
