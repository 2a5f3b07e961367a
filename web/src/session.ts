// The signed-in session: a bearer token from email and password, or a partner API key.

export type Credentials =
  | { kind: "bearer"; secret: string; expiresAt: number | null }
  | { kind: "key"; secret: string };

const STORAGE_KEY = "datafantasi.session";

export function loadCredentials(): Credentials | null {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (!stored) return null;
  try {
    const credentials = JSON.parse(stored) as Credentials;
    if (credentials.kind === "bearer" && credentials.expiresAt && credentials.expiresAt < Date.now()) {
      localStorage.removeItem(STORAGE_KEY);
      return null;
    }
    return credentials;
  } catch {
    localStorage.removeItem(STORAGE_KEY);
    return null;
  }
}

export function saveCredentials(credentials: Credentials): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
}

export function clearCredentials(): void {
  localStorage.removeItem(STORAGE_KEY);
}

export function authHeaders(credentials: Credentials | null): Record<string, string> {
  if (!credentials) return {};
  return credentials.kind === "bearer"
    ? { Authorization: `Bearer ${credentials.secret}` }
    : { "X-API-Key": credentials.secret };
}

/** Renew the access token when it expires within this many milliseconds. */
const RENEW_BEFORE_MS = 2 * 60 * 1000;
let renewal: Promise<void> | null = null;

/**
 * Renew a signed-in user's token shortly before it expires (POST /v1/auth/refresh), so an
 * active user is not sent back to sign-in every few minutes. After the server's maximum session
 * age the renewal fails and the old token runs out as before.
 */
export function renewIfExpiring(now: number = Date.now()): Promise<void> {
  const credentials = loadCredentials();
  if (credentials?.kind !== "bearer" || !credentials.expiresAt) return Promise.resolve();
  if (credentials.expiresAt - now > RENEW_BEFORE_MS) return Promise.resolve();
  renewal ??= renew(credentials.secret).finally(() => {
    renewal = null;
  });
  return renewal;
}

async function renew(token: string): Promise<void> {
  try {
    const response = await fetch("/v1/auth/refresh", {
      method: "POST",
      headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
    });
    if (!response.ok) return;
    const body = (await response.json()) as { access_token: string; expires_in: number };
    saveCredentials({
      kind: "bearer",
      secret: body.access_token,
      expiresAt: Date.now() + body.expires_in * 1000,
    });
  } catch {
    // The request that follows reports the network failure in words.
  }
}
