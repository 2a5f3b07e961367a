// Data and deletion: each data set's imports, newest first, and deleting one import or a whole set.

import { api, nextPagePath, withQuery, type Page } from "../api";
import { h, replace } from "../dom";
import { formatDate, formatNumber, t, type MessageKey } from "../i18n";
import type { Route } from "../router";
import { errorBox, loading, markReady, pageHeader } from "../ui";

export type Dataset = "photos" | "analytics" | "audience";

/** Counts per store, of a data set or of what a deletion removed. */
export interface StoreCounts {
  database: Record<string, number>;
  vectors: number;
  objects: number;
}

export interface ImportInfo {
  import_id: string;
  kind: string;
  label: string;
  created_at: string;
  records: number;
  files: number;
}

export interface ImportErased {
  tenant_id: string;
  dataset: Dataset;
  import_id: string;
  removed: StoreCounts;
  kept: number;
}

interface DatasetErased {
  tenant_id: string;
  erased: string;
  removed: StoreCounts;
}

export const DATASETS: [Dataset, MessageKey][] = [
  ["photos", "data.set.photos"],
  ["analytics", "data.set.analytics"],
  ["audience", "data.set.audience"],
];

const PAGE_SIZE = 20;

// Import kinds as the API names them: photo uploads, analytics file kinds and Instagram sources.
const KIND_NAMES: Record<string, MessageKey> = {
  upload: "data.kind.upload",
  members: "import.kind.members",
  events: "import.kind.events",
  participations: "import.kind.participations",
  instagram_export: "data.kind.instagramExport",
  graph_api: "data.kind.graphApi",
  audience_csv: "data.kind.audienceCsv",
};

export function importKindName(kind: string): string {
  const key = KIND_NAMES[kind];
  return key ? t(key) : kind;
}

/** Return an import's display name: its file, and for an upload of several files the total. */
export function importName(item: Pick<ImportInfo, "label" | "files">): string {
  if (item.files > 1) return t("data.uploadName", { name: item.label, files: item.files });
  return item.label;
}

export function rowCount(counts: StoreCounts): number {
  return Object.values(counts.database).reduce((sum, rows) => sum + rows, 0);
}

/** Describe what a data set contains: search vectors and files only where it has any. */
export function heldText(counts: StoreCounts): string {
  const rows = rowCount(counts);
  if (!counts.vectors && !counts.objects) return t("data.heldRows", { rows });
  return t("data.heldAll", { rows, vectors: counts.vectors, files: counts.objects });
}

/** Describe what a deletion removed: database rows always, vectors and files when there were any. */
export function removedText(removed: StoreCounts): string {
  const parts = [t("data.removedRows", { count: rowCount(removed) })];
  if (removed.vectors) parts.push(t("data.removedVectors", { count: removed.vectors }));
  if (removed.objects) parts.push(t("data.removedFiles", { count: removed.objects }));
  return t("data.removed", { parts: parts.join(", ") });
}

/** Test whether the typed text is the data set's shown name, ignoring case and surrounding spaces. */
export function confirmsName(typed: string, name: string): boolean {
  return typed.trim().toLocaleLowerCase() === name.trim().toLocaleLowerCase();
}

export async function renderData(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  const counts = await api<Record<Dataset, StoreCounts>>("/v1/datasets", { signal });
  const sections = DATASETS.map(([dataset, name]) => datasetSection(dataset, t(name), counts[dataset], signal));
  main.append(pageHeader(t("data.title"), t("data.intro")), ...sections.map((section) => section.element));
  await Promise.all(sections.map((section) => section.showImports()));
  markReady("data");
}

interface DatasetSection {
  element: HTMLElement;
  showImports: () => Promise<void>;
}

function datasetSection(dataset: Dataset, name: string, counts: StoreCounts, signal: AbortSignal): DatasetSection {
  const summary = h("p", { class: "hint held" }, heldText(counts));
  const outcome = h("div", { "aria-live": "polite" });
  const list = h("ul", { class: "import-list" });
  const more = h("div", { class: "more" });

  async function showImports(): Promise<void> {
    replace(list);
    replace(more, loading());
    await showPage(withQuery(`/v1/datasets/${dataset}/imports`, { limit: PAGE_SIZE }));
  }

  async function showPage(path: string): Promise<void> {
    let page: Page<ImportInfo>;
    try {
      page = await api<Page<ImportInfo>>(path, { signal });
    } catch (error) {
      if (signal.aborted) return;
      replace(more, errorBox(error, () => void showPage(path)));
      return;
    }
    list.append(...page.items.map((item) => importRow(dataset, item, deleted)));
    if (!list.children.length) replace(more, h("p", { class: "hint" }, t("data.noImports")));
    else replace(more, page.next ? moreButton(page.next) : null);
  }

  function moreButton(next: string): HTMLElement {
    return h("button", {
      type: "button",
      onclick: () => {
        replace(more, loading());
        void showPage(nextPagePath(next));
      },
    }, t("data.more"));
  }

  /** Show what a deletion removed, then the data set as it is now. */
  async function deleted(report: HTMLElement): Promise<void> {
    replace(outcome, report);
    // The row or form that had the focus is about to be replaced.
    report.focus();
    try {
      const current = await api<Record<Dataset, StoreCounts>>("/v1/datasets", { signal });
      replace(summary, heldText(current[dataset]));
    } catch (error) {
      if (signal.aborted) return;
      replace(summary, errorBox(error));
    }
    await showImports();
  }

  const element = h("section", { class: "card dataset", "data-dataset": dataset, "aria-labelledby": `dataset-${dataset}` },
    h("h2", { id: `dataset-${dataset}` }, name),
    summary,
    outcome,
    list,
    more,
    datasetDeletion(dataset, name, deleted),
  );
  return { element, showImports };
}

function importRow(dataset: Dataset, item: ImportInfo, deleted: (report: HTMLElement) => Promise<void>): HTMLElement {
  const confirmation = h("div");
  const deleteButton = h("button", {
    type: "button",
    class: "danger",
    "aria-expanded": "false",
    onclick: () => {
      deleteButton.setAttribute("aria-expanded", "true");
      replace(confirmation, importConfirmation(dataset, item, deleted, () => {
        deleteButton.setAttribute("aria-expanded", "false");
        replace(confirmation);
        deleteButton.focus();
      }));
      confirmation.querySelector<HTMLElement>("[tabindex='-1']")?.focus();
    },
  }, t("data.deleteImport"));

  return h("li", { class: "import", "data-import": item.import_id },
    h("div", { class: "import-head" },
      h("strong", { class: "name" }, importName(item)),
      h("span", { class: "badge" }, importKindName(item.kind))),
    h("p", { class: "times" }, t("data.importFacts", { when: formatDate(item.created_at, true), records: item.records })),
    h("div", { class: "actions" }, deleteButton),
    confirmation,
  );
}

function importConfirmation(
  dataset: Dataset,
  item: ImportInfo,
  deleted: (report: HTMLElement) => Promise<void>,
  cancel: () => void,
): HTMLElement {
  const status = h("div", { "aria-live": "polite" });
  const confirmButton = h("button", { type: "button", class: "danger primary", onclick: () => void confirm() },
    t("data.confirmImport"));

  async function confirm(): Promise<void> {
    confirmButton.disabled = true;
    replace(status, h("p", { role: "status" }, t("data.deleting")));
    let result: ImportErased;
    try {
      // Without the view's signal: aborting would not stop the deletion on the server, only hide
      // its result.
      result = await api<ImportErased>(`/v1/datasets/${dataset}/imports/${encodeURIComponent(item.import_id)}`, {
        method: "DELETE", query: { confirm: item.import_id },
      });
    } catch (error) {
      confirmButton.disabled = false;
      replace(status, errorBox(error));
      return;
    }
    await deleted(deletionReport(t("data.importDeleted", { name: importName(item) }), result.removed, result.kept));
  }

  return h("div", { class: "notice confirm", role: "group", "aria-labelledby": `confirm-${item.import_id}` },
    h("strong", { id: `confirm-${item.import_id}`, tabindex: "-1" }, t("data.confirmImportTitle", { name: importName(item) })),
    h("p", {}, t(dataset === "photos" ? "data.confirmImportText" : "data.confirmImportTextRows")),
    h("div", { class: "actions" },
      confirmButton,
      h("button", { type: "button", onclick: cancel }, t("common.cancel"))),
    status,
  );
}

function datasetDeletion(dataset: Dataset, name: string, deleted: (report: HTMLElement) => Promise<void>): HTMLElement {
  const inputId = `confirm-dataset-${dataset}`;
  const status = h("div", { "aria-live": "polite" });
  const confirmButton = h("button", { type: "submit", class: "danger primary", disabled: true }, t("data.deleteDataset"));
  const typed = h("input", {
    id: inputId, type: "text", autocomplete: "off", spellcheck: "false",
    oninput: () => {
      confirmButton.disabled = !confirmsName(typed.value, name);
    },
  });

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (!confirmsName(typed.value, name)) return;
    confirmButton.disabled = true;
    replace(status, h("p", { role: "status" }, t("data.deleting")));
    let result: DatasetErased;
    try {
      result = await api<DatasetErased>(`/v1/datasets/${dataset}`, { method: "DELETE", query: { confirm: dataset } });
    } catch (error) {
      confirmButton.disabled = false;
      replace(status, errorBox(error));
      return;
    }
    typed.value = "";
    replace(status);
    await deleted(deletionReport(t("data.datasetDeleted", { name }), result.removed, null));
  }

  return h("details", { class: "danger-zone" },
    h("summary", {}, t("data.deleteDatasetSummary", { name })),
    h("form", { class: "stack", onsubmit: (event: Event) => void submit(event) },
      h("p", {}, t("data.deleteDatasetText", { name })),
      h("label", { for: inputId }, t("data.typeName", { name })),
      typed,
      h("div", { class: "actions" }, confirmButton),
      status));
}

function deletionReport(title: string, removed: StoreCounts, kept: number | null): HTMLElement {
  const tables = Object.entries(removed.database).filter(([, rows]) => rows > 0);
  return h("div", { class: "notice done", role: "status", tabindex: "-1", "data-testid": "deletion-report" },
    h("strong", {}, title),
    h("p", {}, removedText(removed)),
    kept === null ? null : h("p", {}, t("data.kept", { count: kept })),
    tables.length
      ? h("details", {}, h("summary", {}, t("data.perTable")),
          h("ul", {}, tables.map(([table, rows]) => h("li", {}, `${table}: ${formatNumber(rows)}`))))
      : null,
  );
}
