// The header row and first rows of a CSV or XLSX file, read in the browser for column mapping.

export interface TablePreview {
  headers: string[];
  samples: string[][];
}

const SAMPLE_ROWS = 3;

export async function previewTable(file: File): Promise<TablePreview> {
  if (/\.xlsx$/i.test(file.name)) return previewXlsx(new Uint8Array(await file.arrayBuffer()));
  return previewCsv(decodeText(new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer())));
}

/** UTF-8 when valid (with or without BOM), else Windows-1252 as older Danish Excel writes. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

export function previewCsv(text: string): TablePreview {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? "";
  const delimiter = [";", ",", "\t"].reduce((best, candidate) =>
    firstLine.split(candidate).length > firstLine.split(best).length ? candidate : best, ";");
  const rows = parseCsv(text, delimiter, SAMPLE_ROWS + 1);
  const [headers = [], ...samples] = rows;
  return { headers: headers.map((header) => header.trim()), samples };
}

/** Parse up to `limit` records of RFC 4180 CSV: quoted fields may hold delimiters and newlines. */
export function parseCsv(text: string, delimiter: string, limit: number): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < text.length && rows.length < limit; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"' && field === "") {
      quoted = true;
    } else if (char === delimiter) {
      row.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else {
      field += char;
    }
  }
  if ((field || row.length) && rows.length < limit) rows.push([...row, field]);
  return rows.filter((cells) => cells.some((cell) => cell.trim() !== ""));
}

async function previewXlsx(bytes: Uint8Array): Promise<TablePreview> {
  const entries = readZipDirectory(bytes);
  const sheetName = [...entries.keys()].filter((name) => /^xl\/worksheets\/sheet\d+\.xml$/.test(name)).sort()[0];
  if (!sheetName) throw new Error("the workbook has no worksheet");
  const shared = entries.has("xl/sharedStrings.xml")
    ? sharedStrings(await inflateEntry(bytes, entries.get("xl/sharedStrings.xml")!))
    : [];
  const sheet = new DOMParser().parseFromString(await inflateEntry(bytes, entries.get(sheetName)!), "application/xml");
  const rows = [...sheet.getElementsByTagNameNS("*", "row")].slice(0, SAMPLE_ROWS + 1).map((row) => {
    const cells: string[] = [];
    for (const cell of row.getElementsByTagNameNS("*", "c")) {
      const column = columnIndex(cell.getAttribute("r") ?? "");
      cells[column >= 0 ? column : cells.length] = cellText(cell, shared);
    }
    return Array.from(cells, (cell) => cell ?? "");
  });
  const [headers = [], ...samples] = rows;
  return { headers: headers.map((header) => header.trim()), samples };
}

function sharedStrings(xml: string): string[] {
  const document = new DOMParser().parseFromString(xml, "application/xml");
  return [...document.getElementsByTagNameNS("*", "si")].map((item) =>
    [...item.getElementsByTagNameNS("*", "t")].map((text) => text.textContent ?? "").join(""));
}

function cellText(cell: Element, shared: string[]): string {
  const type = cell.getAttribute("t");
  if (type === "inlineStr") return cell.getElementsByTagNameNS("*", "t")[0]?.textContent ?? "";
  const value = cell.getElementsByTagNameNS("*", "v")[0]?.textContent ?? "";
  return type === "s" ? (shared[Number(value)] ?? "") : value;
}

/** "C7" -> 2. */
export function columnIndex(reference: string): number {
  const letters = /^[A-Z]+/.exec(reference)?.[0] ?? "";
  return [...letters].reduce((sum, letter) => sum * 26 + letter.charCodeAt(0) - 64, 0) - 1;
}

interface ZipEntry {
  offset: number;
  compressedSize: number;
  method: number;
}

function readZipDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error("not an XLSX file (no zip directory)");
  const count = view.getUint16(end + 10, true);
  let position = view.getUint32(end + 16, true);
  const entries = new Map<string, ZipEntry>();
  for (let index = 0; index < count; index++) {
    const nameLength = view.getUint16(position + 28, true);
    const extraLength = view.getUint16(position + 30, true);
    const commentLength = view.getUint16(position + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(position + 46, position + 46 + nameLength));
    entries.set(name, {
      method: view.getUint16(position + 10, true),
      compressedSize: view.getUint32(position + 20, true),
      offset: view.getUint32(position + 42, true),
    });
    position += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function inflateEntry(bytes: Uint8Array, entry: ZipEntry): Promise<string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = entry.offset + 30 + view.getUint16(entry.offset + 26, true) + view.getUint16(entry.offset + 28, true);
  const data = bytes.slice(start, start + entry.compressedSize);
  if (entry.method === 0) return new TextDecoder().decode(data);
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).text();
}
