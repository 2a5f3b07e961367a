// The theme explorer: themes of the event descriptions as a map and a list.

import { api } from "../api";
import { bubbleMap, columnChart, sparkline } from "../charts";
import { h, replace } from "../dom";
import { formatDate, t, type MessageKey } from "../i18n";
import type { Route } from "../router";
import { emptyState, errorBox, markReady, pageHeader } from "../ui";
import { JobFailed, waitForJob, type Job } from "./jobs";
import { memberTabs } from "./members";

interface Theme {
  theme_id: number;
  label: string;
  keywords: string[];
  size: number;
  typical: { event_id: string; title: string; held_on: string; description: string }[];
  trend: string;
  events_by_year: Record<string, number>;
}

interface ThemesBody {
  run: { run_id: string; created_at: string; text_count: number; theme_count: number } | null;
  themes: Theme[];
}

const TRENDS: Record<string, MessageKey> = {
  new: "themes.trend.new",
  rising: "themes.trend.rising",
  steady: "themes.trend.steady",
  falling: "themes.trend.falling",
  quiet: "themes.trend.quiet",
  "no recent events": "themes.trend.none",
};

export async function renderThemes(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const runStatus = h("div", { role: "status" });
  const runButton = h("button", { type: "button", onclick: () => void findThemes() }, t("themes.run"));
  const content = h("div", { "aria-live": "polite" });
  main.append(pageHeader(t("themes.title"), t("themes.intro"), runButton), memberTabs("/members/themes"), runStatus, content);

  async function findThemes(): Promise<void> {
    runButton.disabled = true;
    try {
      const job = await api<Job>("/v1/analytics/themes/runs", { method: "POST" });
      await waitForJob(job.job_id, runStatus, signal);
      await show();
    } catch (error) {
      if (!(error instanceof JobFailed)) replace(runStatus, errorBox(error));
    } finally {
      runButton.disabled = false;
    }
  }

  async function show(): Promise<void> {
    const body = await api<ThemesBody>("/v1/analytics/themes", { signal });
    if (!body.themes.length) {
      runButton.hidden = true;
      replace(content, emptyState(t("themes.emptyTitle"), t("themes.emptyText"),
        h("button", { type: "button", class: "primary", onclick: () => void findThemes() }, t("themes.run"))));
      return;
    }
    runButton.hidden = false;
    const detail = h("section", { class: "card theme-detail", "aria-live": "polite", id: "theme-detail" });
    const select = (id: string) => {
      const theme = body.themes.find((candidate) => String(candidate.theme_id) === id);
      if (!theme) return;
      replace(detail, themeDetail(theme));
      const url = new URL(location.href);
      url.searchParams.set("theme", id);
      history.replaceState(null, "", url);
      for (const item of content.querySelectorAll<HTMLElement>("[data-id]")) {
        item.classList.toggle("selected", item.dataset.id === id);
      }
    };
    replace(content,
      body.run ? h("p", { class: "hint" }, t("themes.runInfo", {
        count: body.run.theme_count, texts: body.run.text_count, when: formatDate(body.run.created_at, true),
      })) : null,
      h("div", { class: "themes-layout" },
        bubbleMap(t("themes.map"), body.themes.map((theme, index) => ({
          id: String(theme.theme_id), label: theme.label, size: theme.size, tone: index,
        })), select),
        detail),
      themeList(body.themes, select));
    select(route.query.get("theme") ?? String(body.themes[0].theme_id));
  }

  await show();
  markReady("themes");
}

function trendBadge(trend: string): HTMLElement {
  const key = TRENDS[trend];
  return h("span", { class: `badge trend-${trend.replace(/\s+/g, "-")}` }, key ? t(key) : trend);
}

function yearSeries(theme: Theme): { years: string[]; counts: number[] } {
  const years = Object.keys(theme.events_by_year).sort();
  return { years, counts: years.map((year) => theme.events_by_year[year]) };
}

function themeList(themes: Theme[], select: (id: string) => void): HTMLElement {
  return h("section", { class: "card" },
    h("h2", {}, t("themes.list")),
    h("ul", { class: "theme-list" }, themes.map((theme) => {
      const { years, counts } = yearSeries(theme);
      return h("li", { "data-id": String(theme.theme_id) },
        h("button", { type: "button", class: "link theme-name", onclick: () => {
          select(String(theme.theme_id));
          document.getElementById("theme-detail")?.scrollIntoView({ block: "nearest" });
        } }, theme.label),
        h("span", { class: "count" }, t("themes.events", { count: theme.size })),
        trendBadge(theme.trend),
        sparkline(counts, t("themes.perYear", { first: years[0] ?? "", last: years[years.length - 1] ?? "" })),
        h("span", { class: "chips" }, theme.keywords.slice(0, 5).map((keyword) => h("span", { class: "chip" }, keyword))));
    })));
}

function themeDetail(theme: Theme): Node[] {
  const { years, counts } = yearSeries(theme);
  return [
    h("h2", {}, theme.label),
    h("p", {}, t("themes.events", { count: theme.size }), " ", trendBadge(theme.trend)),
    h("p", { class: "chips" }, theme.keywords.map((keyword) => h("span", { class: "chip" }, keyword))),
    h("h3", {}, t("themes.typical")),
    h("ul", { class: "typical" }, theme.typical.map((event) =>
      h("li", {}, h("strong", {}, event.title), h("span", { class: "when" }, ` · ${formatDate(event.held_on)}`),
        event.description ? h("p", {}, event.description) : null))),
    columnChart(t("themes.byYear"), years.map((year, index) => ({ label: year, value: counts[index] }))),
  ];
}
