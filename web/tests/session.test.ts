import { afterEach, describe, expect, it, vi } from "vitest";
import { loadCredentials, renewIfExpiring, saveCredentials } from "../src/session";

function memoryStorage(): Storage {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
    clear: () => values.clear(),
    key: () => null,
    length: 0,
  };
}

describe("renewIfExpiring", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("renews a token that expires within two minutes, once for concurrent callers", async () => {
    vi.stubGlobal("localStorage", memoryStorage());
    const calls: string[] = [];
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      calls.push(`${url} ${(init.headers as Record<string, string>).Authorization}`);
      return new Response(JSON.stringify({ access_token: "new-token", expires_in: 900 }), { status: 200 });
    });
    saveCredentials({ kind: "bearer", secret: "old-token", expiresAt: Date.now() + 60_000 });

    await Promise.all([renewIfExpiring(), renewIfExpiring()]);

    expect(calls).toEqual(["/v1/auth/refresh Bearer old-token"]);
    expect(loadCredentials()).toMatchObject({ kind: "bearer", secret: "new-token" });
  });

  it("leaves a token with time left and a partner key alone", async () => {
    vi.stubGlobal("localStorage", memoryStorage());
    const fetchSpy = vi.fn();
    vi.stubGlobal("fetch", fetchSpy);

    saveCredentials({ kind: "bearer", secret: "fresh", expiresAt: Date.now() + 600_000 });
    await renewIfExpiring();
    saveCredentials({ kind: "key", secret: "df_key" });
    await renewIfExpiring();

    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("keeps the old token when the server refuses", async () => {
    vi.stubGlobal("localStorage", memoryStorage());
    vi.stubGlobal("fetch", async () => new Response("{}", { status: 401 }));
    saveCredentials({ kind: "bearer", secret: "old-token", expiresAt: Date.now() + 30_000 });

    await renewIfExpiring();

    expect(loadCredentials()).toMatchObject({ secret: "old-token" });
  });
});
