// The alert sources' secrets, kept in VS Code's secret storage (never in settings, which a
// workspace can read and share): the webhook's bearer token and Falcosidekick-UI's basic-auth
// credentials. settings.ts turns them into source options with the settings.
import type { SourceSecrets } from './settings.js';

/** What is read of VS Code's SecretStorage (a structural type: this module has no vscode import). */
export interface SecretReader { get(key: string): PromiseLike<string | undefined> }

export const WEBHOOK_TOKEN_KEY = 'falcoshark.webhook.token';
export const SIDEKICK_UI_CREDENTIALS_KEY = 'falcoshark.sidekickUi.credentials';
export const SOURCE_SECRET_KEYS: readonly string[] = [WEBHOOK_TOKEN_KEY, SIDEKICK_UI_CREDENTIALS_KEY];

/** Credentials as stored (JSON); anything else is no credentials. */
export function parseSidekickCredentials(text: string | undefined): SourceSecrets['sidekickUi'] {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as { username?: unknown; password?: unknown };
    return typeof v.username === 'string' && typeof v.password === 'string' ? { username: v.username, password: v.password } : undefined;
  } catch {
    return undefined;
  }
}

export async function readSourceSecrets(secrets: SecretReader): Promise<SourceSecrets> {
  const [token, sidekick] = await Promise.all([secrets.get(WEBHOOK_TOKEN_KEY), secrets.get(SIDEKICK_UI_CREDENTIALS_KEY)]);
  const sidekickUi = parseSidekickCredentials(sidekick);
  return { ...(token ? { webhookToken: token } : {}), ...(sidekickUi ? { sidekickUi } : {}) };
}
