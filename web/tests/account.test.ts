import { afterEach, describe, expect, it, vi } from "vitest";
import { allows, forgetUser, loadedUser, loadUser, type Me } from "../src/account";

const OWNER: Me = {
  user_id: "u1", email: "mette@staalbyg.example", name: "Mette Holm", role: "owner",
  tenant_id: "staalbyg", tenant_name: "Stålbyg A/S", language: null,
  actions: ["admin", "photos:read", "photos:write"],
};

describe("allows", () => {
  it("allows the actions GET /v1/me lists and no others", () => {
    const editor = { ...OWNER, role: "editor", actions: ["photos:read", "photos:write"] };
    expect(allows(OWNER, "admin")).toBe(true);
    expect(allows(editor, "photos:write")).toBe(true);
    expect(allows(editor, "admin")).toBe(false);
  });

  it("allows nothing without a user", () => {
    expect(allows(null, "photos:write")).toBe(false);
  });
});

describe("loadedUser", () => {
  afterEach(() => {
    forgetUser();
    vi.unstubAllGlobals();
  });

  it("waits for the load under way", async () => {
    let respond: (response: Response) => void = () => undefined;
    vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
    vi.stubGlobal("fetch", () => new Promise<Response>((resolve) => (respond = resolve)));

    void loadUser();
    const waiting = loadedUser();
    await new Promise((resolve) => setTimeout(resolve, 0));
    respond(new Response(JSON.stringify(OWNER), { status: 200 }));

    expect((await waiting)?.actions).toEqual(OWNER.actions);
  });

  it("returns null when the load failed", async () => {
    vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
    vi.stubGlobal("fetch", async () => new Response("{}", { status: 500 }));

    const loading = loadUser();
    await expect(loading).rejects.toMatchObject({ status: 500 });
    expect(await loadedUser()).toBeNull();
  });
});
