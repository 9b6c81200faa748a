// One byte-size format: the CLI, the extension and the webview show one capture's size alike
// (it was "100 MiB" in the terminal, "100 MB" in the Captures view, "104.9 MB" in the webview).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes } from '../../src/shared/byteSize.js';
import { formatBytes as webviewFormatBytes } from '../../webview/format.js';
import { renderTable } from '../../src/cli/summaryTable.js';
import type { AnnotatedSummary } from '../../src/shared/annotatedSummary.js';

test('binary multiples with their IEC names', () => {
  assert.deepEqual([0, 512, 1023, 1024, 2048, 10 * 1024 - 1, 100 * 1024 * 1024, 1.5 * 1024 ** 3, 3 * 1024 ** 4, 5000 * 1024 ** 4].map(formatBytes),
    ['0 B', '512 B', '1023 B', '1.0 KiB', '2.0 KiB', '10 KiB', '100 MiB', '1.5 GiB', '3.0 TiB', '5000 TiB']);
  assert.deepEqual([-1, Number.NaN, Infinity].map(formatBytes), ['–', '–', '–']);
});

test('the terminal, the Captures view and the webview show 100 MiB as "100 MiB"', () => {
  assert.equal(webviewFormatBytes, formatBytes, 'the webview uses the same function, not a copy');
  const summary = { format: 'pcapng', totals: { packets: 1, bytes: 100 * 1024 * 1024, durationSeconds: 1, flows: 0, protocols: {}, undecodable: { packets: 0, reasons: {} },
    unknownLinkTypes: {}, nonIp: {}, overflow: { maxFlows: 1, flowsRefused: 0, packets: 0, bytes: 0 } }, flows: [], comments: [] } as unknown as AnnotatedSummary;
  assert.match(renderTable(summary, [], 0, false, 'c.pcapng'), /^c\.pcapng: pcapng, 1 packets, 100 MiB, /);
});
