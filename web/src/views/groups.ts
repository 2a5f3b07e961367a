// Visual groups: photos the grouping job put together, to browse and to name.

import { api, apiAll, ApiError } from "../api";
import { append, h, replace } from "../dom";
import { formatNumber, t } from "../i18n";
import type { Route } from "../router";
import { emptyState, errorBox, markReady, pageHeader } from "../ui";
import { JobFailed, waitForJob } from "./jobs";
import { photoGrid, thumbnail } from "./photo-grid";
import { photoTabs } from "./photos";

interface PhotoGroup {
  group_id: string;
  name: string | null;
  size: number;
  cover_asset_ids: string[];
}

interface GroupPage extends PhotoGroup {
  assets: { asset_id: string; similarity: number }[];
  limit: number;
  offset: number;
}

interface Job {
  job_id: string;
}

const PAGE_SIZE = 200;

export async function renderGroups(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  const content = h("section", { "aria-live": "polite" });
  const runStatus = h("div", { role: "status" });
  const runButton = h("button", { type: "button", class: "primary", onclick: () => void runGrouping() }, t("groups.run"));
  main.append(pageHeader(t("groups.title"), t("groups.intro"), runButton), photoTabs("/photos/groups"), runStatus, content);

  async function runGrouping(): Promise<void> {
    runButton.disabled = true;
    try {
      const job = await api<Job>("/v1/photo-groups/runs", { method: "POST" });
      await waitForJob(job.job_id, runStatus);
      await show();
    } catch (error) {
      if (!(error instanceof JobFailed)) replace(runStatus, errorBox(error));
    } finally {
      runButton.disabled = false;
    }
  }

  async function show(): Promise<void> {
    let groups: PhotoGroup[];
    try {
      groups = await apiAll<PhotoGroup>("/v1/photo-groups", { query: { limit: 200 }, signal });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        runButton.hidden = true;
        replace(content, emptyState(t("groups.unavailableTitle"), t("groups.unavailableText")));
        return;
      }
      throw error;
    }
    if (!groups.length) {
      replace(content, emptyState(t("groups.emptyTitle"), t("groups.emptyText")));
      return;
    }
    replace(content, h("ul", { class: "group-grid" }, groups.map((group) =>
      h("li", {}, h("a", { class: "group-card", href: `/photos/groups/${encodeURIComponent(group.group_id)}` },
        h("div", { class: "covers" }, group.cover_asset_ids.slice(0, 4).map((id) => thumbnail(id, ""))),
        h("span", { class: "caption" }, group.name || t("groups.unnamed")),
        h("span", { class: "count" }, t("groups.size", { count: group.size })),
      )),
    )));
  }

  await show();
  markReady("groups");
}

export async function renderGroup(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const groupId = route.params.groupId;
  const path = `/v1/photo-groups/${encodeURIComponent(groupId)}`;
  const page = await api<GroupPage>(path, { query: { limit: PAGE_SIZE }, signal });
  const ids = page.assets.map((asset) => asset.asset_id);
  const name = h("input", { id: "group-name", type: "text", value: page.name ?? "", maxlength: "200" });
  const saved = h("span", { role: "status" });
  const title = page.name || t("groups.unnamed");

  async function save(event: Event): Promise<void> {
    event.preventDefault();
    try {
      await api(path, { method: "PUT", json: { name: name.value.trim() || null } });
      saved.textContent = t("groups.saved");
      const heading = document.getElementById("page-title");
      if (heading) heading.textContent = name.value.trim() || t("groups.unnamed");
    } catch (error) {
      replace(saved, errorBox(error));
    }
  }

  append(main, [
    pageHeader(title, t("groups.size", { count: page.size })),
    photoTabs("/photos/groups"),
    h("form", { class: "inline-form", onsubmit: (event: Event) => void save(event) },
      h("label", { for: "group-name" }, t("groups.name")), name,
      h("button", { type: "submit", class: "primary" }, t("groups.save")), saved),
    ids.length ? photoGrid(ids.map((asset_id) => ({ asset_id }))) : h("p", {}, t("groups.noPhotos")),
    page.size > ids.length ? h("p", {}, t("groups.firstOf", { shown: formatNumber(ids.length), total: formatNumber(page.size) })) : null,
  ]);
  markReady("group");
}
