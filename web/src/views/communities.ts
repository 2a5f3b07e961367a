// Instagram audience communities: who the audience is, by interest, with labels and sizes.

import { api, ApiError } from "../api";
import { bubbleMap } from "../charts";
import { h, replace } from "../dom";
import { formatDate, formatNumber, formatPercent, t } from "../i18n";
import type { Route } from "../router";
import { emptyState, errorBox, linkButton, markReady, pageHeader, stat, tabs } from "../ui";
import { JobFailed, waitForJob, type Job } from "./jobs";

export interface Community {
  id: number;
  number: number;
  label: string;
  keywords: string[];
  typical_accounts: { handle: string; share: number; lift: number }[];
  typical_members: string[];
  size: number;
  share: number;
  mean_confidence: number;
}

interface CommunityRun {
  run_id: string;
  created_at: string;
  member_count: number;
  assigned_count: number;
  communities: Community[];
}

export function audienceTabs(active: string): HTMLElement {
  return tabs(
    [
      ["/instagram", "audience.tabCommunities"],
      ["/instagram/compare", "audience.tabCompare"],
      ["/instagram/import", "audience.tabImport"],
    ],
    active,
  );
}

export async function latestRun(signal: AbortSignal): Promise<CommunityRun | null> {
  try {
    return await api<CommunityRun>("/v1/audience/community-runs/latest", { signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export async function renderCommunities(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const runStatus = h("div", { role: "status" });
  const runButton = h("button", { type: "button", onclick: () => void findCommunities() }, t("audience.run"));
  const content = h("div", { "aria-live": "polite" });
  main.append(pageHeader(t("audience.title"), t("audience.intro"), runButton), audienceTabs("/instagram"), runStatus, content);

  async function findCommunities(): Promise<void> {
    runButton.disabled = true;
    replace(runStatus, h("p", { class: "loading" }, t("audience.running")));
    try {
      const job = await api<Job>("/v1/audience/community-runs", { method: "POST", json: {} });
      await waitForJob(job.job_id, runStatus, signal);
      await show();
    } catch (error) {
      // A failed job has already put its explanation in runStatus.
      if (!(error instanceof JobFailed)) replace(runStatus, errorBox(error));
    } finally {
      runButton.disabled = false;
    }
  }

  async function show(): Promise<void> {
    const run = await latestRun(signal);
    if (!run) {
      runButton.hidden = true;
      replace(content, emptyState(t("audience.emptyTitle"), t("audience.emptyText"),
        linkButton("/instagram/import", t("audience.tabImport")),
        h("button", { type: "button", class: "primary", onclick: () => void findCommunities() }, t("audience.run"))));
      return;
    }
    runButton.hidden = false;
    const cards = h("ul", { class: "community-list" }, run.communities.map(communityCard));
    const select = (id: string) => {
      const card = cards.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`);
      card?.scrollIntoView({ behavior: "smooth", block: "center" });
      card?.focus();
    };
    replace(content,
      h("div", { class: "stats" },
        stat(t("audience.statCommunities"), formatNumber(run.communities.length)),
        stat(t("audience.statAssigned"), formatNumber(run.assigned_count),
          t("audience.statAssignedHint", { total: run.member_count })),
        stat(t("audience.statWhen"), formatDate(run.created_at))),
      bubbleMap(t("audience.map"), run.communities.map((community) => ({
        id: String(community.id), label: community.label, size: community.size, tone: community.number,
      })), select),
      cards);
  }

  await show();
  markReady("communities");
  const wanted = route.query.get("community");
  if (wanted) content.querySelector<HTMLElement>(`[data-id="${CSS.escape(wanted)}"]`)?.focus();
}

function communityCard(community: Community): HTMLElement {
  const compare = community.typical_accounts.slice(0, 3).map((account) => account.handle).join(",");
  return h("li", { class: `card community tone-${community.number % 8}`, "data-id": String(community.id), tabindex: "-1" },
    h("div", { class: "community-head" },
      h("h2", {}, community.label),
      h("span", { class: "count" }, t("audience.people", { count: community.size }))),
    h("div", { class: "share-bar", role: "img", "aria-label": t("audience.shareOf", { share: formatPercent(community.share) }) },
      h("span", { style: `width:${Math.max(2, community.share * 100)}%` })),
    h("p", { class: "hint" }, t("audience.shareOf", { share: formatPercent(community.share) })),
    h("p", { class: "chips" }, community.keywords.slice(0, 8).map((keyword) => h("span", { class: "chip" }, keyword))),
    community.typical_accounts.length
      ? h("p", {}, t("audience.follows"), " ", community.typical_accounts.slice(0, 4).map((account) =>
          h("span", { class: "handle", title: t("audience.lift", { lift: formatNumber(account.lift, 1) }) }, `@${account.handle} `)))
      : null,
    compare ? linkButton(`/instagram/compare?influencers=${encodeURIComponent(compare)}`, t("audience.compareThese")) : null,
  );
}
