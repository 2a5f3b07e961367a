import { describe, expect, it } from "vitest";
import { CATALOGUES, interpolate, LANGUAGES } from "../src/i18n";

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
}

describe("message catalogues", () => {
  const [first, ...others] = LANGUAGES;

  it.each(others)("has every key of %s's counterpart in both directions", (other) => {
    const a = Object.keys(CATALOGUES[first]).sort();
    const b = Object.keys(CATALOGUES[other]).sort();
    expect(a.filter((key) => !b.includes(key))).toEqual([]);
    expect(b.filter((key) => !a.includes(key))).toEqual([]);
  });

  it.each(LANGUAGES)("has no empty text in %s", (language) => {
    const empty = Object.entries(CATALOGUES[language]).filter(([, text]) => !text.trim());
    expect(empty).toEqual([]);
  });

  it("uses the same placeholders in every language", () => {
    const mismatched = Object.keys(CATALOGUES.en).filter((key) => {
      const english = placeholders(CATALOGUES.en[key as keyof typeof CATALOGUES.en]);
      return LANGUAGES.some(
        (language) => placeholders(CATALOGUES[language][key as keyof typeof CATALOGUES.en]).join() !== english.join(),
      );
    });
    expect(mismatched).toEqual([]);
  });

  it("differs between Danish and English for most texts", () => {
    const same = Object.keys(CATALOGUES.en).filter(
      (key) => CATALOGUES.en[key as keyof typeof CATALOGUES.en] === CATALOGUES.da[key as keyof typeof CATALOGUES.en],
    );
    // Brand names and loan words may match; a wholesale copy of one language may not.
    expect(same.length).toBeLessThan(20);
  });
});

describe("interpolate", () => {
  it("fills named placeholders and leaves unknown ones visible", () => {
    expect(interpolate("{count} fotos i {folder}", { count: "3", folder: "arkiv" })).toBe("3 fotos i arkiv");
    expect(interpolate("{missing} here", {})).toBe("{missing} here");
  });
});
