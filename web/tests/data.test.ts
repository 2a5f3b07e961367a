import { beforeAll, describe, expect, it, vi } from "vitest";
import { setLanguage } from "../src/i18n";
import { confirmsName, heldText, importKindName, importName, removedText, rowCount } from "../src/views/data";

beforeAll(() => {
  vi.stubGlobal("localStorage", { getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
  vi.stubGlobal("document", { documentElement: {} });
  setLanguage("da");
  return () => vi.unstubAllGlobals();
});

describe("removedText", () => {
  it("sums the rows of every table and names vectors and files", () => {
    const removed = { database: { assets: 2, upload_items: 3, uploads: 1 }, vectors: 2, objects: 4 };
    expect(removedText(removed)).toBe(
      "Slettet: 6 rækker i databasen, 2 fotos fra søgeindekset, 4 gemte filer.",
    );
  });

  it("leaves out vectors and files when none were removed", () => {
    const removed = { database: { members: 3, analytics_imports: 1 }, vectors: 0, objects: 0 };
    expect(removedText(removed)).toBe("Slettet: 4 rækker i databasen.");
  });

  it("reports zero rows for an import whose records all stayed", () => {
    expect(removedText({ database: {}, vectors: 0, objects: 0 })).toBe("Slettet: 0 rækker i databasen.");
  });
});

describe("heldText", () => {
  it("shows rows only for a data set without vectors or files", () => {
    expect(heldText({ database: { members: 1200, events: 40 }, vectors: 0, objects: 0 })).toBe(
      "1.240 rækker i databasen.",
    );
  });

  it("shows vectors and files for photos", () => {
    expect(heldText({ database: { assets: 10 }, vectors: 10, objects: 20 })).toBe(
      "10 rækker i databasen, 10 fotos i søgeindekset og 20 gemte filer.",
    );
  });
});

describe("rowCount", () => {
  it("adds the rows of all tables", () => {
    expect(rowCount({ database: { a: 1, b: 2, c: 0 }, vectors: 9, objects: 9 })).toBe(3);
  });
});

describe("importKindName", () => {
  it("names the kinds each service reports", () => {
    expect(importKindName("upload")).toBe("Upload af fotos");
    expect(importKindName("members")).toBe("Medlemmer");
    expect(importKindName("participations")).toBe("Tilmeldinger");
    expect(importKindName("instagram_export")).toBe("Instagram-dataeksport");
    expect(importKindName("audience_csv")).toBe("Influencers følgere (CSV)");
  });

  it("shows an unknown kind as the API names it", () => {
    expect(importKindName("tiktok_export")).toBe("tiktok_export");
  });
});

describe("importName", () => {
  it("counts the other files of an upload", () => {
    expect(importName({ label: "trapper/IMG_0001.jpg", files: 12 })).toBe(
      "trapper/IMG_0001.jpg og andre filer, 12 i alt",
    );
  });

  it("shows a single file by its name", () => {
    expect(importName({ label: "medlemmer.xlsx", files: 1 })).toBe("medlemmer.xlsx");
  });
});

describe("confirmsName", () => {
  it("accepts the name with other case and surrounding spaces", () => {
    expect(confirmsName("  medlemmer og ARRANGEMENTER ", "Medlemmer og arrangementer")).toBe(true);
  });

  it("rejects part of the name, an empty field and the API's name", () => {
    expect(confirmsName("Medlemmer", "Medlemmer og arrangementer")).toBe(false);
    expect(confirmsName("", "Fotos")).toBe(false);
    expect(confirmsName("analytics", "Medlemmer og arrangementer")).toBe(false);
  });
});
