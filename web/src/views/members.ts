// Participation dashboards: attendance over time, per event type, cohorts and inactive members.

import { api } from "../api";
import { barList, columnChart, lineChart } from "../charts";
import { h } from "../dom";
import { formatDate, formatNumber, formatPercent, t } from "../i18n";
import type { Route } from "../router";
import { emptyState, linkButton, markReady, pageHeader, stat, tabs } from "../ui";

export interface Figure<Row> {
  name: string;
  definition: string;
  columns: string[];
  rows: Row[];
}

interface MonthRow { month: string; events: number; attended: number }
interface TypeRow { type: string; events: number; attended_per_event: number; no_show_rate: number | null }
interface CohortRow { join_year: number | string; members: number; attending_members: number; active_last_year: number | null }
interface LapsedRow { member_id: string; name: string; organisation: string; attended: number; last_attended: string; days_since: number }
interface RepeatRow { attending_members: number; repeat_members: number; repeat_rate: number | null }

export function memberTabs(active: string): HTMLElement {
  return tabs(
    [
      ["/members", "members.tabDashboard"],
      ["/members/themes", "members.tabThemes"],
      ["/members/overview", "members.tabOverview"],
      ["/members/import", "members.tabImport"],
    ],
    active,
  );
}

export async function renderMembers(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  main.append(pageHeader(t("members.title"), t("members.intro")), memberTabs("/members"));
  // One request: the server computes all five figures from a single read of the tenant's data.
  const { figures } = await api<{ figures: Record<string, Figure<unknown>> }>("/v1/analytics/figures", {
    query: { names: "months,event-types,cohorts,lapsed,repeat-rate" },
    signal,
  });
  const months = figures["months"] as Figure<MonthRow>;
  const types = figures["event-types"] as Figure<TypeRow>;
  const cohorts = figures["cohorts"] as Figure<CohortRow>;
  const lapsed = figures["lapsed"] as Figure<LapsedRow>;
  const repeat = figures["repeat-rate"] as Figure<RepeatRow>;

  if (!months.rows.length && !cohorts.rows.length) {
    main.append(emptyState(t("members.emptyTitle"), t("members.emptyText"), linkButton("/members/import", t("members.tabImport"), true)));
    markReady("members");
    return;
  }

  const totalEvents = months.rows.reduce((sum, row) => sum + row.events, 0);
  const totalAttended = months.rows.reduce((sum, row) => sum + row.attended, 0);
  const repeatRow = repeat.rows[0];
  main.append(
    h("div", { class: "stats" },
      stat(t("members.statEvents"), formatNumber(totalEvents)),
      stat(t("members.statAttended"), formatNumber(totalAttended)),
      stat(t("members.statRepeat"), formatPercent(repeatRow?.repeat_rate), t("members.statRepeatHint")),
      stat(t("members.statInactive"), formatNumber(lapsed.rows.length), t("members.statInactiveHint")),
    ),
    h("div", { class: "chart-grid" },
      lineChart(t("members.chartMonths"), months.rows.map((row) => ({ label: row.month, value: row.attended }))),
      barList(t("members.chartTypes"), types.rows.map((row) => ({ label: row.type || t("members.noType"), value: row.attended_per_event }))),
      columnChart(t("members.chartCohorts"), cohorts.rows.map((row) => ({ label: String(row.join_year), value: row.members }))),
      barList(t("members.chartActive"),
        cohorts.rows.map((row) => ({ label: String(row.join_year), value: row.active_last_year ?? 0 })),
        (value) => formatPercent(value)),
    ),
    inactiveTable(lapsed.rows),
  );
  markReady("members");
}

function inactiveTable(rows: LapsedRow[]): HTMLElement {
  const shown = [...rows].sort((a, b) => b.attended - a.attended).slice(0, 25);
  return h("section", { class: "card" },
    h("h2", {}, t("members.inactiveTitle")),
    h("p", { class: "hint" }, t("members.inactiveHint")),
    shown.length
      ? h("div", { class: "table-wrap" }, h("table", {},
          h("thead", {}, h("tr", {},
            h("th", { scope: "col" }, t("members.colName")),
            h("th", { scope: "col" }, t("members.colOrganisation")),
            h("th", { scope: "col", class: "number" }, t("members.colAttended")),
            h("th", { scope: "col" }, t("members.colLast")))),
          h("tbody", {}, shown.map((row) => h("tr", {},
            h("td", {}, row.name), h("td", {}, row.organisation),
            h("td", { class: "number" }, formatNumber(row.attended)),
            h("td", {}, formatDate(row.last_attended))))),
        ))
      : h("p", {}, t("members.noInactive")),
    rows.length > shown.length ? h("p", { class: "hint" }, t("members.moreInactive", { count: rows.length - shown.length })) : null,
  );
}
