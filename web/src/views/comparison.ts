// Influencer comparison: overlap, unique reach, communities reached and new segments.

import { api, type Page, withQuery } from "../api";
import { h, replace } from "../dom";
import { formatNumber, formatPercent, t } from "../i18n";
import { navigate, type Route } from "../router";
import { emptyState, markReady, pageHeader, stat } from "../ui";
import { audienceTabs, latestRun, type Community } from "./communities";

interface Reach {
  community_number: number;
  label: string;
  audience: number;
  share: number;
  index: number | null;
  new_segment: boolean;
}

interface Influencer {
  handle: string;
  audience: number;
  unique_audience: number;
  unique_share: number;
  brand_overlap_share: number | null;
  new_reach: number;
  communities: Reach[];
  new_segments: number[];
}

interface Pair {
  first: string;
  second: string;
  overlap: number;
  first_in_second_share: number;
  second_in_first_share: number;
}

interface Comparison {
  brand_handles: string[];
  brand_audience: number;
  influencers: Influencer[];
  pairs: Pair[];
  gross_audience: number;
  unique_reach: number;
  duplicated_share: number;
  new_reach: number;
  new_segments: number[];
}

export function parseHandles(text: string): string[] {
  const handles = text.split(/[\s,;]+/).map((handle) => handle.trim().replace(/^@/, "")).filter(Boolean);
  return [...new Set(handles)];
}

export async function renderComparison(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const handles = parseHandles(route.query.get("influencers") ?? "");
  const input = h("input", { id: "influencers", type: "text", value: handles.map((handle) => `@${handle}`).join(", "), list: "handle-suggestions", autocomplete: "off" });
  const suggestions = h("datalist", { id: "handle-suggestions" });
  input.addEventListener("input", () => void suggest(input.value, suggestions));
  const form = h("form", { class: "card inline-form", onsubmit: (event: Event) => {
    event.preventDefault();
    const chosen = parseHandles(input.value);
    navigate(withQuery("/instagram/compare", { influencers: chosen.join(",") }));
  } },
  h("label", { for: "influencers" }, t("compare.handles")), input, suggestions,
  h("button", { type: "submit", class: "primary" }, t("compare.submit")),
  h("p", { class: "hint" }, t("compare.hint")));

  main.append(pageHeader(t("compare.title"), t("compare.intro")), audienceTabs("/instagram/compare"), form);
  const run = await latestRun(signal);
  if (!handles.length) {
    main.append(suggestionChips(run?.communities ?? []));
    markReady("comparison");
    return;
  }
  const comparison = await api<Comparison>("/v1/audience/comparison", { query: { influencers: handles.join(",") }, signal });
  const labels = new Map((run?.communities ?? []).map((community) => [community.number, community.label]));
  main.append(
    h("div", { class: "stats" },
      stat(t("compare.gross"), formatNumber(comparison.gross_audience), t("compare.grossHint")),
      stat(t("compare.unique"), formatNumber(comparison.unique_reach), t("compare.uniqueHint")),
      stat(t("compare.duplicated"), formatPercent(comparison.duplicated_share), t("compare.duplicatedHint")),
      stat(t("compare.newReach"), formatNumber(comparison.new_reach), t("compare.newReachHint", { brand: comparison.brand_handles.map((b) => `@${b}`).join(", ") || "–" }))),
    reachTable(comparison),
    overlapMatrix(comparison),
    communityTable(comparison),
    newSegments(comparison, labels),
  );
  markReady("comparison");
}

async function suggest(text: string, list: HTMLDataListElement): Promise<void> {
  const last = text.split(/[\s,;]+/).pop()?.replace(/^@/, "") ?? "";
  if (last.length < 2) return;
  try {
    const { items: handles } = await api<Page<string>>("/v1/audience/people", { query: { q: last, limit: 10 } });
    const prefix = text.slice(0, text.length - last.length).replace(/@$/, "");
    replace(list, handles.map((handle) => h("option", { value: `${prefix}@${handle}` })));
  } catch {
    // Suggestions are a convenience; typing the handle still works.
  }
}

function suggestionChips(communities: Community[]): HTMLElement {
  const accounts = [...new Set(communities.flatMap((community) => community.typical_accounts.slice(0, 2).map((account) => account.handle)))].slice(0, 8);
  if (!accounts.length) return emptyState(t("compare.emptyTitle"), t("compare.emptyText"));
  return h("section", { class: "card" },
    h("h2", {}, t("compare.suggested")),
    h("p", { class: "hint" }, t("compare.suggestedHint")),
    h("p", { class: "chips" }, accounts.map((handle) => h("span", { class: "chip" }, `@${handle}`))),
    h("a", { class: "button primary", href: withQuery("/instagram/compare", { influencers: accounts.slice(0, 4).join(",") }) }, t("compare.tryThese")));
}

function reachTable(comparison: Comparison): HTMLElement {
  const max = Math.max(1, ...comparison.influencers.map((influencer) => influencer.audience));
  return h("section", { class: "card" },
    h("h2", {}, t("compare.reachTitle")),
    h("p", { class: "hint" }, t("compare.reachHint")),
    h("ul", { class: "reach-bars" }, comparison.influencers.map((influencer) =>
      h("li", {},
        h("span", { class: "bar-label" }, `@${influencer.handle}`),
        h("span", { class: "bar-track", role: "img", "aria-label": t("compare.reachAria", {
          audience: influencer.audience, unique: influencer.unique_audience,
        }) },
          h("span", { class: "bar-fill shared", style: `width:${(100 * influencer.audience) / max}%` },
            h("span", { class: "bar-fill unique", style: `width:${influencer.audience ? (100 * influencer.unique_audience) / influencer.audience : 0}%` }))),
        h("span", { class: "bar-value" }, t("compare.reachValue", {
          audience: influencer.audience, unique: formatPercent(influencer.unique_share),
        })),
        h("span", { class: "hint" }, t("compare.alreadyBrand", { share: formatPercent(influencer.brand_overlap_share) }))))),
    h("p", { class: "legend" },
      h("span", { class: "swatch unique" }), t("compare.legendUnique"), " ",
      h("span", { class: "swatch shared" }), t("compare.legendShared")));
}

function overlapMatrix(comparison: Comparison): HTMLElement {
  const handles = comparison.influencers.map((influencer) => influencer.handle);
  const share = (row: string, column: string): number | null => {
    const pair = comparison.pairs.find((candidate) =>
      (candidate.first === row && candidate.second === column) || (candidate.first === column && candidate.second === row));
    if (!pair) return null;
    return pair.first === row ? pair.first_in_second_share : pair.second_in_first_share;
  };
  return h("section", { class: "card" },
    h("h2", {}, t("compare.overlapTitle")),
    h("p", { class: "hint" }, t("compare.overlapHint")),
    h("div", { class: "table-wrap" }, h("table", { class: "matrix" },
      h("thead", {}, h("tr", {}, h("td", {}), handles.map((handle) => h("th", { scope: "col" }, `@${handle}`)))),
      h("tbody", {}, handles.map((row) => h("tr", {},
        h("th", { scope: "row" }, `@${row}`),
        handles.map((column) => {
          if (row === column) return h("td", { class: "self" }, "–");
          const value = share(row, column) ?? 0;
          return h("td", { style: `--heat:${value.toFixed(3)}`, class: "heat" }, formatPercent(value));
        })))))));
}

function communityTable(comparison: Comparison): HTMLElement {
  const communities = new Map<number, string>();
  for (const influencer of comparison.influencers) {
    for (const reach of influencer.communities) communities.set(reach.community_number, reach.label);
  }
  const numbers = [...communities.keys()].sort((a, b) => a - b);
  return h("section", { class: "card" },
    h("h2", {}, t("compare.communitiesTitle")),
    h("p", { class: "hint" }, t("compare.communitiesHint")),
    h("div", { class: "table-wrap" }, h("table", { class: "matrix" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("compare.community")),
        comparison.influencers.map((influencer) => h("th", { scope: "col" }, `@${influencer.handle}`)))),
      h("tbody", {}, numbers.map((number) => h("tr", {},
        h("th", { scope: "row" }, communities.get(number) ?? String(number)),
        comparison.influencers.map((influencer) => {
          const reach = influencer.communities.find((candidate) => candidate.community_number === number);
          if (!reach) return h("td", {}, "–");
          return h("td", { class: `heat${reach.new_segment ? " new-segment" : ""}`, style: `--heat:${Math.min(1, reach.share * 2).toFixed(3)}`,
            title: reach.index === null ? "" : t("compare.index", { index: reach.index }) },
            formatPercent(reach.share), reach.new_segment ? h("span", { class: "badge new" }, t("compare.newBadge")) : null);
        })))))));
}

function newSegments(comparison: Comparison, labels: Map<number, string>): HTMLElement {
  const byInfluencer = comparison.influencers.filter((influencer) => influencer.new_segments.length);
  return h("section", { class: "card" },
    h("h2", {}, t("compare.segmentsTitle")),
    byInfluencer.length
      ? h("ul", {}, byInfluencer.map((influencer) => h("li", {},
          h("strong", {}, `@${influencer.handle}`), ": ",
          influencer.new_segments.map((number) => labels.get(number) ?? `#${number}`).join(", "))))
      : h("p", {}, t("compare.noSegments")));
}
