// Building blocks shared by the views: headings, states, figures and the ready marker.

import { explainError } from "./errors";
import { t, type MessageKey } from "./i18n";
import { h } from "./dom";

export function pageHeader(title: string, intro?: string, ...actions: Node[]): HTMLElement {
  return h(
    "header",
    { class: "page-header" },
    h("div", {}, h("h1", { id: "page-title", tabindex: "-1" }, title), intro ? h("p", { class: "intro" }, intro) : null),
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

export function tabs(items: [href: string, label: MessageKey][], active: string): HTMLElement {
  return h(
    "nav",
    { class: "tabs", "aria-label": t("nav.sections") },
    items.map(([href, label]) =>
      h("a", { href, "aria-current": href === active ? "page" : null }, t(label)),
    ),
  );
}

export function errorBox(error: unknown, retry?: () => void): HTMLElement {
  const explanation = explainError(error);
  return h(
    "div",
    { class: "notice error", role: "alert" },
    h("strong", {}, t(explanation.title)),
    h("p", {}, t(explanation.action)),
    explanation.detail ? h("p", { class: "detail" }, t("error.detail", { detail: explanation.detail })) : null,
    retry ? h("button", { type: "button", onclick: retry }, t("action.retry")) : null,
  );
}

export function emptyState(title: string, text: string, ...actions: Node[]): HTMLElement {
  return h(
    "div",
    { class: "empty", role: "status" },
    h("h2", {}, title),
    h("p", {}, text),
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}

export function loading(): HTMLElement {
  return h("p", { class: "loading", role: "status" }, t("common.loading"));
}

export function stat(label: string, value: string, hint?: string): HTMLElement {
  return h(
    "div",
    { class: "stat" },
    h("span", { class: "stat-value" }, value),
    h("span", { class: "stat-label" }, label),
    hint ? h("span", { class: "stat-hint" }, hint) : null,
  );
}

export function progressBar(fraction: number, label: string): HTMLElement {
  const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  return h("progress", { max: "100", value: String(percent), "aria-label": label }, `${percent}%`);
}

export function linkButton(href: string, label: string, primary = false): HTMLElement {
  return h("a", { href, class: primary ? "button primary" : "button" }, label);
}

/**
 * Mark that a view shows its data. Browser tests wait for `data-ready` and read the
 * performance mark to measure how long a view takes to show its data.
 */
export function markReady(view: string): void {
  const main = document.getElementById("main");
  if (main?.dataset.ready === view) return;
  if (main) main.dataset.ready = view;
  performance.mark(`view-ready:${view}`);
}
