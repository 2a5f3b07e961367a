// Photo search: a description or "more like this" photo, filters, and a grid of results.

import { api, withQuery } from "../api";
import { h, replace } from "../dom";
import { t } from "../i18n";
import { navigate, type Route } from "../router";
import { emptyState, errorBox, linkButton, loading, markReady, pageHeader, tabs } from "../ui";
import { photoGrid, thumbnail, type PhotoSummary } from "./photo-grid";

interface SearchPage {
  hits: (PhotoSummary & { filename: string; folder: string; tags: string[]; taken_at: string | null })[];
  limit: number;
  offset: number;
  has_more: boolean;
}

interface AssetPage {
  items: PhotoSummary[];
  total: number;
  limit: number;
  offset: number;
}

const FILTERS = ["from", "to", "folder", "tag"] as const;
const PAGE_SIZE = 40;

export function photoTabs(active: string): HTMLElement {
  return tabs(
    [
      ["/photos", "photos.tabSearch"],
      ["/photos/upload", "photos.tabUpload"],
      ["/photos/groups", "photos.tabGroups"],
    ],
    active,
  );
}

export async function renderPhotos(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const query = route.query;
  const text = query.get("q") ?? "";
  const like = query.get("like");
  const results = h("section", { class: "results", "aria-live": "polite", "aria-busy": "true" }, loading());

  main.append(
    pageHeader(t("photos.title"), t("photos.intro"), shareButton()),
    photoTabs("/photos"),
    searchForm(query),
    results,
  );

  const filters = {
    taken_from: query.get("from"),
    taken_to: query.get("to"),
    folder: query.get("folder"),
    tag: query.get("tag"),
  };
  let offset = 0;
  const grid = h("div");
  const more = h("div", { class: "more" });

  async function loadPage(): Promise<{ photos: PhotoSummary[]; hasMore: boolean; total?: number }> {
    if (like) {
      const page = await api<SearchPage>(`/v1/assets/${encodeURIComponent(like)}/similar`, {
        query: { ...filters, limit: PAGE_SIZE, offset, exclude_self: true }, signal,
      });
      return { photos: page.hits, hasMore: page.has_more };
    }
    if (text) {
      const page = await api<SearchPage>("/v1/search", { query: { ...filters, q: text, limit: PAGE_SIZE, offset }, signal });
      return { photos: page.hits, hasMore: page.has_more };
    }
    const page = await api<AssetPage>("/v1/assets", {
      query: { limit: PAGE_SIZE, offset, folder: filters.folder, status: "indexed" }, signal,
    });
    return { photos: page.items, hasMore: offset + page.items.length < page.total, total: page.total };
  }

  async function showMore(): Promise<void> {
    offset += PAGE_SIZE;
    replace(more, loading());
    try {
      const page = await loadPage();
      grid.append(photoGrid(page.photos, linkContext()));
      replace(more, page.hasMore ? moreButton() : null);
    } catch (error) {
      replace(more, errorBox(error, () => void showMore()));
    }
  }

  function moreButton(): HTMLElement {
    return h("button", { type: "button", onclick: () => void showMore() }, t("photos.more"));
  }

  let page;
  try {
    page = await loadPage();
  } catch (error) {
    replace(results, errorBox(error, () => navigate(location.pathname + location.search, { replace: true })));
    results.setAttribute("aria-busy", "false");
    markReady("photos");
    return;
  }
  results.setAttribute("aria-busy", "false");
  const heading = like
    ? h("div", { class: "like-heading" }, thumbnail(like, t("photos.likeThis")), h("h2", {}, t("photos.likeTitle")))
    : h("h2", {}, text ? t("photos.resultsFor", { q: text }) : t("photos.latest", { count: page.total ?? 0 }));

  if (page.photos.length === 0) {
    replace(
      results,
      text || like || filters.folder || filters.tag || filters.taken_from || filters.taken_to
        ? emptyState(t("photos.noHits"), t("photos.noHitsHint"))
        : emptyState(t("photos.emptyTitle"), t("photos.emptyText"), linkButton("/photos/upload", t("photos.tabUpload"), true)),
    );
  } else {
    grid.append(photoGrid(page.photos, linkContext()));
    if (page.hasMore) more.append(moreButton());
    replace(results, heading, grid, more);
  }
  markReady("photos");
}

/** Keep the search in the detail view's link, so "back to results" returns to it. */
function linkContext(): string {
  return location.search ? `?from_search=${encodeURIComponent(location.search)}` : "";
}

function searchForm(query: URLSearchParams): HTMLElement {
  const input = h("input", {
    id: "search", name: "q", type: "search", value: query.get("q") ?? "",
    placeholder: t("photos.searchPlaceholder"), autocomplete: "off",
    // The API's limit on a text query.
    maxlength: "1000",
  });
  const fields = FILTERS.map((name) => {
    const id = `filter-${name}`;
    const type = name === "from" || name === "to" ? "date" : "text";
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, t(`photos.filter.${name}`)),
      h("input", { id, name, type, value: query.get(name) ?? "" }),
    );
  });
  const anyFilter = FILTERS.some((name) => query.get(name));

  function submit(event: Event): void {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const params: Record<string, string> = {};
    for (const name of ["q", ...FILTERS]) {
      const value = String(form.get(name) ?? "").trim();
      if (value) params[name] = value;
    }
    navigate(withQuery("/photos", params));
  }

  const photoInput = h("input", {
    id: "search-photo", type: "file", accept: "image/*", class: "visually-hidden",
    onchange: (event: Event) => void searchWithPhoto(event),
  });

  return h(
    "form",
    { class: "search", role: "search", onsubmit: submit },
    h("label", { for: "search", class: "visually-hidden" }, t("photos.searchLabel")),
    h("div", { class: "search-row" },
      input,
      h("button", { type: "submit", class: "primary" }, t("photos.searchButton")),
      h("label", { for: "search-photo", class: "button", title: t("photos.byPhotoHint") }, t("photos.byPhoto")),
      photoInput,
    ),
    h("details", { class: "filters", open: anyFilter },
      h("summary", {}, t("photos.filters")),
      h("div", { class: "filter-fields" }, fields),
    ),
  );
}

async function searchWithPhoto(event: Event): Promise<void> {
  const file = (event.target as HTMLInputElement).files?.[0];
  const results = document.querySelector<HTMLElement>(".results");
  if (!file || !results) return;
  replace(results, loading());
  const form = new FormData();
  form.append("photo", file);
  try {
    const page = await api<SearchPage>("/v1/search/similar", { form, query: { limit: PAGE_SIZE } });
    replace(
      results,
      h("h2", {}, t("photos.likeFile", { name: file.name })),
      page.hits.length ? photoGrid(page.hits) : emptyState(t("photos.noHits"), t("photos.noHitsHint")),
    );
  } catch (error) {
    replace(results, errorBox(error));
  }
}

export function shareButton(): HTMLElement {
  const status = h("span", { class: "copied", role: "status" });
  return h(
    "div",
    { class: "share" },
    h("button", {
      type: "button",
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(location.href);
          status.textContent = t("share.copied");
        } catch {
          status.textContent = t("share.copyYourself", { url: location.href });
        }
      },
    }, t("share.copy")),
    status,
  );
}

