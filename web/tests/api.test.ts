import { afterEach, describe, expect, it, vi } from "vitest";
import { apiAll, nextPagePath } from "../src/api";

describe("nextPagePath", () => {
  it("keeps the path and query of an absolute link", () => {
    expect(nextPagePath("http://10.0.0.5:8000/v1/photo-groups?limit=2&cursor=2")).toBe("/v1/photo-groups?limit=2&cursor=2");
  });

  it("keeps a relative link as it is", () => {
    expect(nextPagePath("/v1/audience/people?q=an&cursor=20")).toBe("/v1/audience/people?q=an&cursor=20");
  });
});

describe("apiAll", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("follows next links until the last page", async () => {
    const pages: Record<string, { items: number[]; next: string | null }> = {
      "/v1/photo-groups?limit=2": { items: [1, 2], next: "http://api.example/v1/photo-groups?limit=2&cursor=2" },
      "/v1/photo-groups?limit=2&cursor=2": { items: [3], next: null },
    };
    const requested: string[] = [];
    vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
    vi.stubGlobal("fetch", async (url: string) => {
      requested.push(url);
      return new Response(JSON.stringify(pages[url]), { status: 200 });
    });
    expect(await apiAll<number>("/v1/photo-groups", { query: { limit: 2 } })).toEqual([1, 2, 3]);
    expect(requested).toEqual(["/v1/photo-groups?limit=2", "/v1/photo-groups?limit=2&cursor=2"]);
  });
});
