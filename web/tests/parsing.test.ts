import { describe, expect, it } from "vitest";
import { localPath, matchRoute } from "../src/router";
import { columnIndex, decodeText, parseCsv, previewCsv } from "../src/tables";
import { parseHandles } from "../src/views/comparison";

describe("previewCsv", () => {
  it("finds the delimiter Danish Excel uses", () => {
    const preview = previewCsv("Navn;Firma;Postnr\nAnne;Havne A/S;8000\n");
    expect(preview.headers).toEqual(["Navn", "Firma", "Postnr"]);
    expect(preview.samples).toEqual([["Anne", "Havne A/S", "8000"]]);
  });

  it("keeps quoted delimiters, quotes and newlines inside a field", () => {
    const rows = parseCsv('title,description\r\n"Møde, årligt","Sig ""hej""\nanden linje"\r\n', ",", 5);
    expect(rows).toEqual([["title", "description"], ["Møde, årligt", 'Sig "hej"\nanden linje']]);
  });

  it("stops after the requested number of records", () => {
    expect(parseCsv("a\n1\n2\n3\n", ",", 2)).toEqual([["a"], ["1"]]);
  });
});

describe("decodeText", () => {
  it("reads UTF-8 with a byte-order mark", () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0xc3, 0xa6]))).toBe("æ");
  });

  it("falls back to Windows-1252 for older Danish exports", () => {
    expect(decodeText(new Uint8Array([0xe6, 0xf8, 0xe5]))).toBe("æøå");
  });
});

describe("columnIndex", () => {
  it.each([["A1", 0], ["C7", 2], ["Z3", 25], ["AA10", 26]])("maps %s to %i", (reference, index) => {
    expect(columnIndex(reference as string)).toBe(index);
  });
});

describe("matchRoute", () => {
  it("opens a shared photo link", () => {
    const route = matchRoute("/photos/abc123", "?from_search=%3Fq%3Dkat");
    expect(route.name).toBe("photo");
    expect(route.params.assetId).toBe("abc123");
  });

  it("keeps fixed photo pages apart from photo ids", () => {
    expect(matchRoute("/photos/upload", "").name).toBe("upload");
    expect(matchRoute("/photos/groups", "").name).toBe("groups");
    expect(matchRoute("/photos/groups/g1", "").params.groupId).toBe("g1");
  });

  it("carries the search in the query", () => {
    const route = matchRoute("/photos/", "?q=vindeltrappe&tag=st%C3%A5l");
    expect(route.name).toBe("photos");
    expect(route.query.get("tag")).toBe("stål");
  });

  it("names an unknown page", () => {
    expect(matchRoute("/nothing/here", "").name).toBe("notFound");
  });
});

describe("parseHandles", () => {
  it("accepts @, commas, spaces and repeats", () => {
    expect(parseHandles("@anna, bo;@anna  cecilie")).toEqual(["anna", "bo", "cecilie"]);
  });
});

describe("localPath", () => {
  it("keeps a path of the app", () => {
    expect(localPath("/members/themes?theme=2")).toBe("/members/themes?theme=2");
  });

  it.each(["//evil.example/x", "/\\evil.example", "https://evil.example", "", null])(
    "replaces %s with the photo page",
    (next) => {
      expect(localPath(next)).toBe("/photos");
    },
  );
});
