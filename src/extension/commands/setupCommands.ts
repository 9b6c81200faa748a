// The next steps the Alerts view's welcome content offers: pick a context, set the Falco
// selector, read about JSON output, add a webhook source (port, and a bearer token kept in the
// secret storage), give Falcosidekick-UI's credentials (secret storage too).
import * as vscode from 'vscode';
import { KubeConfig } from '@kubernetes/client-node';
import { updateSetting } from '../config.js';
import type { Settings } from '../settings.js';
import { SIDEKICK_UI_CREDENTIALS_KEY, WEBHOOK_TOKEN_KEY } from '../sourceSecrets.js';

export const FALCO_OUTPUT_DOCS = 'https://falco.org/docs/concepts/outputs/formatting/';

export function registerSetupCommands(settings: () => Settings, webhookAddress: () => string | undefined, secrets: vscode.SecretStorage): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('falcoshark.pickContext', async () => {
      const kc = new KubeConfig();
      try { kc.loadFromDefault(); } catch { /* shown below as no contexts */ }
      const names = kc.getContexts().map((c) => c.name);
      if (names.length === 0) {
        const pick = await vscode.window.showWarningMessage('No kubeconfig contexts were found ($KUBECONFIG, ~/.kube/config). Receive alerts over a webhook instead?', 'Add a Webhook Source');
        if (pick) await vscode.commands.executeCommand('falcoshark.addWebhookSource');
        return;
      }
      const current = settings().context ?? kc.getCurrentContext();
      const pick = await vscode.window.showQuickPick(names.map((n) => ({ label: n, description: n === current ? 'current' : '' })), { title: 'Kubernetes context for Falco alerts and captures' });
      if (!pick) return;
      await updateSetting('context', pick.label);
      if (!settings().clusterEnabled) await updateSetting('cluster.enabled', true);
    }),
    vscode.commands.registerCommand('falcoshark.setFalcoSelector', async () => {
      const s = settings();
      const selector = await vscode.window.showInputBox({ title: 'Falco pods', prompt: 'Label selector of the Falco pods (e.g. app.kubernetes.io/name=falco, app=falco)', value: s.falco.selector,
        validateInput: (v) => (/^[A-Za-z0-9_./=!, -]{1,253}$/.test(v.trim()) ? undefined : 'letters, digits and . _ / - = != , only') });
      if (selector === undefined) return;
      await updateSetting('falco.selector', selector.trim());
      const ns = await vscode.window.showInputBox({ title: 'Falco pods', prompt: 'Namespace of the Falco pods (empty: all namespaces)', value: s.falco.namespace ?? '' });
      if (ns !== undefined) await updateSetting('falco.namespace', ns.trim());
    }),
    vscode.commands.registerCommand('falcoshark.openJsonOutputDocs', () => vscode.env.openExternal(vscode.Uri.parse(FALCO_OUTPUT_DOCS))),
    vscode.commands.registerCommand('falcoshark.addWebhookSource', async () => {
      const current = settings().webhookPort;
      const v = await vscode.window.showInputBox({ title: 'Webhook alert source', prompt: 'Port on 127.0.0.1 for Falco http_output / Falcosidekick webhook POSTs', value: String(current ?? 2801),
        validateInput: (x) => (/^\d+$/.test(x) && Number(x) <= 65535 ? undefined : 'a port number 0-65535') });
      if (v === undefined) return;
      const had = await secrets.get(WEBHOOK_TOKEN_KEY);
      const token = await vscode.window.showInputBox({ title: 'Webhook alert source', password: true, ignoreFocusOut: true,
        prompt: `Bearer token the webhook requires (Falcosidekick: webhook.customHeaders Authorization: Bearer …). Empty: ${had ? 'keep the stored one' : 'none'}; "-": remove it. Kept in the secret storage.`,
        validateInput: (x) => (x === '' || x === '-' || x.trim().length >= 16 ? undefined : 'a token has at least 16 characters') });
      if (token === undefined) return;
      if (token === '-') await secrets.delete(WEBHOOK_TOKEN_KEY);
      else if (token !== '') await secrets.store(WEBHOOK_TOKEN_KEY, token.trim());
      await updateSetting('webhook.port', Number(v));
      setTimeout(() => {
        const url = webhookAddress();
        if (url) void vscode.window.showInformationMessage(`Receiving alerts on ${url}. Falco: http_output.url: ${url}; Falcosidekick: webhook.address: ${url}`);
      }, 1000);
    }),
    vscode.commands.registerCommand('falcoshark.setSidekickUiCredentials', async () => {
      const username = await vscode.window.showInputBox({ title: 'Falcosidekick-UI credentials (1/2)', prompt: 'User name (empty: remove the stored credentials)', ignoreFocusOut: true });
      if (username === undefined) return;
      if (username.trim() === '') { await secrets.delete(SIDEKICK_UI_CREDENTIALS_KEY); return; }
      const password = await vscode.window.showInputBox({ title: 'Falcosidekick-UI credentials (2/2)', prompt: `Password of ${username.trim()} (kept in the secret storage)`, password: true, ignoreFocusOut: true });
      if (password === undefined) return;
      await secrets.store(SIDEKICK_UI_CREDENTIALS_KEY, JSON.stringify({ username: username.trim(), password }));
      if (!settings().sidekickUiUrl) {
        const pick = await vscode.window.showInformationMessage('Credentials stored. Set falcoshark.sidekickUi.url to poll Falcosidekick-UI.', 'Open Settings');
        if (pick) await vscode.commands.executeCommand('workbench.action.openSettings', 'falcoshark.sidekickUi.url');
      }
    }),
  ];
}
