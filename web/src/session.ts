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
