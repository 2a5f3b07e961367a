// The onboarding overview: the network at a glance, for a new colleague or a board meeting.

import { api } from "../api";
import { barList } from "../charts";
import { append, h } from "../dom";
import { formatDate, formatNumber, t } from "../i18n";
import type { Route } from "../router";
import { emptyState, linkButton, markReady, pageHeader, stat } from "../ui";
import { memberTabs } from "./members";

interface Overview {
  reference_date: string | null;
  totals: { organisations: number; persons: number; events: number; sign_ups: number; attended: number };
  themes: { theme_id: number; label: string; size: number; trend: string; typical: { title: string }[] }[];
  top_members: { name: string; organisation: string; attended: number }[];
  event_types: { type: string; events: number; attended_per_event: number }[];
  new_this_year: {
    year: number;
    events_this_year: number;
    events_same_period_last_year: number;
    new_members: number;
    new_member_names: string[];
    new_event_types: string[];
    new_or_rising_themes: string[];
  } | null;
}

export async function renderOverview(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  const overview = await api<Overview>("/v1/analytics/overview", { signal });
  const totals = overview.totals;
  main.append(
    pageHeader(t("overview.title"),
      overview.reference_date ? t("overview.asOf", { date: formatDate(overview.reference_date) }) : t("overview.intro"),
      h("button", { type: "button", onclick: () => window.print() }, t("overview.print"))),
    memberTabs("/members/overview"),
  );
  if (!totals.events && !totals.organisations && !totals.persons) {
    main.append(emptyState(t("members.emptyTitle"), t("members.emptyText"), linkButton("/members/import", t("members.tabImport"), true)));
    markReady("overview");
    return;
  }
  const news = overview.new_this_year;
  append(main, [
    h("div", { class: "stats" },
      stat(t("overview.organisations"), formatNumber(totals.organisations)),
      stat(t("overview.persons"), formatNumber(totals.persons)),
      stat(t("overview.events"), formatNumber(totals.events)),
      stat(t("overview.signUps"), formatNumber(totals.sign_ups)),
      stat(t("overview.attended"), formatNumber(totals.attended))),
    news ? h("section", { class: "card" },
      h("h2", {}, t("overview.newTitle", { year: String(news.year) })),
      h("ul", {},
        h("li", {}, t("overview.newEvents", { count: news.events_this_year, last: news.events_same_period_last_year })),
        h("li", {}, t("overview.newMembers", { count: news.new_members }),
          news.new_member_names.length ? `: ${news.new_member_names.join(", ")}` : ""),
        news.new_event_types.length ? h("li", {}, t("overview.newTypes", { types: news.new_event_types.join(", ") })) : null,
        news.new_or_rising_themes.length ? h("li", {}, t("overview.risingThemes", { themes: news.new_or_rising_themes.join("; ") })) : null)) : null,
    h("div", { class: "chart-grid" },
      h("section", { class: "card" },
        h("h2", {}, t("overview.themes")),
        overview.themes.length
          ? h("ol", {}, overview.themes.map((theme) => h("li", {},
              h("a", { href: `/members/themes?theme=${theme.theme_id}` }, theme.label),
              ` · ${t("themes.events", { count: theme.size })}`,
              theme.typical[0] ? h("span", { class: "hint" }, ` · ${t("overview.example", { title: theme.typical[0].title })}`) : null)))
          : h("p", {}, t("overview.noThemes"), " ", linkButton("/members/themes", t("members.tabThemes")))),
      h("section", { class: "card" },
        h("h2", {}, t("overview.topMembers")),
        h("ol", {}, overview.top_members.map((member) => h("li", {},
          h("strong", {}, member.name), ` · ${member.organisation} · ${t("overview.attendedCount", { count: member.attended })}`)))),
      barList(t("members.chartTypes"), overview.event_types.map((row) => ({ label: row.type || t("members.noType"), value: row.attended_per_event })))),
  ]);
  markReady("overview");
}
