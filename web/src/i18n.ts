// Danish and English texts, chosen per user, and number and date formats to match.

import { da } from "./messages/da";
import { en } from "./messages/en";

export type MessageKey = keyof typeof en;
export type Language = "da" | "en";
export type Catalogue = Record<MessageKey, string>;

export const LANGUAGES: Language[] = ["da", "en"];
export const CATALOGUES: Record<Language, Catalogue> = { da, en };

const STORAGE_KEY = "datafantasi.language";
let current: Language = initialLanguage();

function initialLanguage(): Language {
  const stored = typeof localStorage === "undefined" ? null : localStorage.getItem(STORAGE_KEY);
  if (stored === "da" || stored === "en") return stored;
  const browser = typeof navigator === "undefined" ? "da" : navigator.language;
  return browser.toLowerCase().startsWith("en") ? "en" : "da";
}

export function language(): Language {
  return current;
}

export function setLanguage(next: Language): void {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

/** Look up a text and fill its `{name}` placeholders. */
export function t(key: MessageKey, values: Record<string, string | number> = {}): string {
  return interpolate(CATALOGUES[current][key] ?? en[key], values);
}

export function interpolate(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in values ? formatValue(values[name]) : whole,
  );
}

function formatValue(value: string | number): string {
  return typeof value === "number" ? formatNumber(value) : value;
}

function locale(): string {
  return current === "da" ? "da-DK" : "en-GB";
}

export function formatNumber(value: number, digits = 0): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

export function formatPercent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return "–";
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: digits }).format(value);
}

export function formatDate(value: string | null | undefined, withTime = false): string {
  if (!value) return "–";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: "medium",
    ...(withTime ? { timeStyle: "short" } : {}),
  }).format(date);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${formatNumber(bytes / 1024, 0)} kB`;
  return `${formatNumber(bytes / (1024 * 1024), 1)} MB`;
}
