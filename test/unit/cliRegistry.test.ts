import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS } from '../../src/cli/cli.js';

test('the CLI registry\'s help lines are the command modules\' own', async () => {
  for (const entry of COMMANDS) {
    const cmd = await entry.load();
    assert.equal(cmd.name, entry.name);
    assert.equal(cmd.usage, entry.usage, entry.name);
    assert.equal(cmd.summary, entry.summary, entry.name);
  }
});
