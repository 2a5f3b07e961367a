// Import of members, events and sign-ups: choose a file, check its columns, read the report.

import { allows, currentUser } from "../account";
import { api } from "../api";
import { h, replace } from "../dom";
import { formatNumber, t, type MessageKey } from "../i18n";
import type { Route } from "../router";
import { previewTable, type TablePreview } from "../tables";
import { errorBox, linkButton, markReady, pageHeader } from "../ui";
import { memberTabs } from "./members";

type Kind = "members" | "events" | "participations";

// The fields each kind of file can fill, as the analytics service names them.
export const FIELDS: Record<Kind, string[]> = {
  members: ["name", "organisation", "cvr", "email", "industry", "industry_code", "employees", "postcode", "joined_on"],
  events: ["title", "date", "type", "location", "description"],
  participations: ["name", "organisation", "cvr", "email", "event_title", "event_date", "status", "attended", "registered", "cancelled", "no_show"],
};

interface ImportReport {
  import_id: string;
  kind: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: { line: number; reason: string }[];
  columns: Record<string, string>;
}

export async function renderImport(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  let kind: Kind = (["members", "events", "participations"] as Kind[]).find((k) => k === route.query.get("kind")) ?? "members";
  const stepTwo = h("section", { class: "card", "aria-live": "polite" });
  const report = h("section", { "aria-live": "polite" });
  const fileInput = h("input", {
    id: "import-file", type: "file", accept: ".csv,.xlsx,text/csv",
    onchange: () => void chooseFile(),
  });

  const kindChoice = h("fieldset", { class: "kinds" },
    h("legend", {}, t("import.kind")),
    (Object.keys(FIELDS) as Kind[]).map((option) =>
      h("label", { class: "radio" },
        h("input", {
          type: "radio", name: "kind", value: option, checked: option === kind,
          onchange: () => {
            kind = option;
            if (fileInput.files?.length) void chooseFile();
          },
        }),
        t(`import.kind.${option}`))));

  async function chooseFile(): Promise<void> {
    const file = fileInput.files?.[0];
    replace(report);
    if (!file) return;
    let preview: TablePreview;
    let saved: Record<string, string> = {};
    try {
      [preview, saved] = await Promise.all([
        previewTable(file),
        api<{ mapping: Record<string, string> }>(`/v1/analytics/column-mappings/${kind}`, { signal }).then((body) => body.mapping ?? {}),
      ]);
    } catch (error) {
      replace(stepTwo, h("div", { class: "notice error", role: "alert" },
        h("strong", {}, t("import.unreadable")), h("p", {}, t("import.unreadableAction")),
        h("p", { class: "detail" }, String(error instanceof Error ? error.message : error))));
      return;
    }
    showMapping(file, preview, saved);
  }

  function showMapping(file: File, preview: TablePreview, saved: Record<string, string>): void {
    const selects = preview.headers.map((header, index) => {
      const select = h("select", { id: `map-${index}`, "data-header": header },
        h("option", { value: "" }, t("import.auto")),
        FIELDS[kind].map((field) => h("option", { value: field, selected: saved[header] === field }, fieldLabel(field))));
      return select;
    });
    const remember = h("input", { id: "remember-mapping", type: "checkbox" });
    const importButton = h("button", { type: "submit", class: "primary" }, t("import.submit"));

    async function submit(event: Event): Promise<void> {
      event.preventDefault();
      const mapping: Record<string, string> = {};
      for (const select of selects) if (select.value) mapping[select.dataset.header ?? ""] = select.value;
      const form = new FormData();
      form.append("file", file, file.name);
      if (Object.keys(mapping).length) form.append("mapping", JSON.stringify(mapping));
      importButton.disabled = true;
      replace(report, h("p", { role: "status" }, t("import.busy")));
      try {
        if (remember.checked) {
          await api(`/v1/analytics/column-mappings/${kind}`, { method: "PUT", json: { mapping: { ...saved, ...mapping } } });
        }
        const result = await api<ImportReport>(`/v1/analytics/imports/${kind}`, { form });
        replace(report, importReport(result));
      } catch (error) {
        replace(report, errorBox(error));
      } finally {
        importButton.disabled = false;
      }
    }

    replace(stepTwo,
      h("h2", {}, t("import.step2")),
      h("p", { class: "hint" }, t("import.mappingHint")),
      h("form", { onsubmit: (event: Event) => void submit(event) },
        h("div", { class: "table-wrap" }, h("table", { class: "mapping" },
          h("thead", {}, h("tr", {},
            h("th", { scope: "col" }, t("import.column")),
            h("th", { scope: "col" }, t("import.examples")),
            h("th", { scope: "col" }, t("import.meaning")))),
          h("tbody", {}, preview.headers.map((header, index) => h("tr", {},
            h("th", { scope: "row" }, h("label", { for: `map-${index}` }, header || t("import.noHeader"))),
            h("td", { class: "samples" }, preview.samples.map((row) => row[index]).filter(Boolean).slice(0, 3).join(" · ")),
            h("td", {}, selects[index])))))),
        h("label", { class: "checkbox" }, remember, t("import.remember")),
        h("div", { class: "actions" }, importButton)));
  }

  main.append(
    pageHeader(t("import.title"), t("import.intro")),
    memberTabs("/members/import"),
    h("section", { class: "card" },
      h("h2", {}, t("import.step1")),
      kindChoice,
      h("div", { class: "field" }, h("label", { for: "import-file" }, t("import.file")), fileInput),
      h("p", { class: "hint" }, t("import.order"))),
    stepTwo,
    report,
  );
  markReady("import");
}

function fieldLabel(field: string): string {
  return t(`field.${field}` as MessageKey);
}

/** Build a link to the page where owners delete imports, or return null for other users. */
export function manageLink(): HTMLElement | null {
  return allows(currentUser(), "admin") ? h("p", { class: "hint" }, h("a", { href: "/data" }, t("data.manage"))) : null;
}

function importReport(result: ImportReport): HTMLElement {
  const used = Object.entries(result.columns);
  return h("section", { class: "card report", "data-testid": "import-report" },
    h("h2", {}, t("import.reportTitle")),
    h("p", { class: "big" }, t("import.reportSummary", {
      rows: result.rows, created: result.created, updated: result.updated, unchanged: result.unchanged,
    })),
    used.length ? h("p", {}, t("import.columnsUsed"), " ", used.map(([field, header]) => `${header} → ${fieldLabel(field)}`).join(", ")) : null,
    result.rejected.length
      ? h("div", {},
          h("h3", {}, t("import.rejectedTitle", { count: result.rejected.length })),
          h("p", { class: "hint" }, t("import.rejectedHint")),
          h("div", { class: "table-wrap" }, h("table", {},
            h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "number" }, t("import.line")), h("th", { scope: "col" }, t("import.reason")))),
            h("tbody", {}, result.rejected.slice(0, 200).map((row) =>
              h("tr", {}, h("td", { class: "number" }, formatNumber(row.line)), h("td", {}, row.reason)))))))
      : h("p", {}, t("import.noneRejected")),
    h("div", { class: "actions" }, linkButton("/members", t("import.toDashboard"), true), linkButton("/members/themes", t("members.tabThemes"))),
    manageLink(),
  );
}
