// Import of Instagram data exports, Graph API JSON and influencer audience CSVs.

import { api } from "../api";
import { h, replace } from "../dom";
import { formatNumber, t } from "../i18n";
import type { Route } from "../router";
import { errorBox, linkButton, markReady, pageHeader } from "../ui";
import { audienceTabs } from "./communities";
import { manageLink } from "./import";

interface ImportOut {
  import_id: string;
  filename: string;
  source: string;
  summary: {
    accounts_created: number;
    accounts_renamed: number;
    posts_created: number;
    follows_added: number;
    engagements_added: number;
    skipped_erased: number;
    warnings: string[];
  };
}

export async function renderAudienceImport(main: HTMLElement, _route: Route, _signal: AbortSignal): Promise<void> {
  const results = h("ol", { class: "upload-list", "aria-live": "polite" });
  const files = h("input", { id: "audience-files", type: "file", multiple: true, accept: ".zip,.json,.csv" });
  const account = h("input", { id: "audience-account", type: "text", placeholder: "@" });
  const role = h("select", { id: "audience-role" },
    h("option", { value: "" }, t("audience.roleAuto")),
    h("option", { value: "brand" }, t("audience.role.brand")),
    h("option", { value: "influencer" }, t("audience.role.influencer")));
  const submit = h("button", { type: "submit", class: "primary" }, t("audience.importSubmit"));

  async function importAll(event: Event): Promise<void> {
    event.preventDefault();
    const chosen = [...(files.files ?? [])].sort((a, b) => importOrder(a.name) - importOrder(b.name));
    if (!chosen.length) return;
    submit.disabled = true;
    for (const file of chosen) {
      const row = h("li", { class: "upload-item", "data-state": "uploading" },
        h("span", { class: "name" }, file.name), h("span", { class: "state" }, t("audience.importing")));
      results.append(row);
      const form = new FormData();
      form.append("file", file, file.name);
      if (account.value.trim()) form.append("account", account.value.trim().replace(/^@/, ""));
      if (role.value) form.append("role", role.value);
      try {
        const result = await api<ImportOut>("/v1/audience/imports", { form });
        row.dataset.state = "stored";
        replace(row, h("span", { class: "name" }, file.name), h("span", { class: "state" }, summary(result)),
          result.summary.warnings.length
            ? h("details", { class: "details" }, h("summary", {}, t("audience.warnings", { count: result.summary.warnings.length })),
                h("ul", {}, result.summary.warnings.map((warning) => h("li", {}, warning))))
            : null);
      } catch (error) {
        row.dataset.state = "failed";
        replace(row, h("span", { class: "name" }, file.name), errorBox(error));
      }
    }
    submit.disabled = false;
    results.after(h("div", {}, h("p", { class: "actions" }, linkButton("/instagram", t("audience.toCommunities"), true)), manageLink()));
  }

  main.append(
    pageHeader(t("audience.importTitle"), t("audience.importIntro")),
    audienceTabs("/instagram/import"),
    h("form", { class: "card stack", onsubmit: (event: Event) => void importAll(event) },
      h("label", { for: "audience-files" }, t("audience.files")), files,
      h("p", { class: "hint" }, t("audience.filesHint")),
      h("details", {}, h("summary", {}, t("audience.advanced")),
        h("div", { class: "stack" },
          h("label", { for: "audience-account" }, t("audience.account")), account,
          h("label", { for: "audience-role" }, t("audience.role")), role)),
      h("div", { class: "actions" }, submit)),
    results,
  );
  markReady("audienceImport");
}

// A data export names the brand, so files without an owner that follow it can default to it.
function importOrder(name: string): number {
  return /\.zip$/i.test(name) ? 0 : 1;
}

function summary(result: ImportOut): string {
  const s = result.summary;
  return t("audience.imported", {
    accounts: formatNumber(s.accounts_created), follows: formatNumber(s.follows_added),
    engagements: formatNumber(s.engagements_added), posts: formatNumber(s.posts_created),
  });
}
