// History-API routing: every view has a URL, so a link opens the same view for a colleague.

export interface Route {
  name: RouteName;
  params: Record<string, string>;
  query: URLSearchParams;
}

export type RouteName =
  | "signin"
  | "photos"
  | "photo"
  | "upload"
  | "groups"
  | "group"
  | "members"
  | "import"
  | "themes"
  | "overview"
  | "communities"
  | "audienceImport"
  | "comparison"
  | "jobs"
  | "data"
  | "notFound";

const PATTERNS: [RouteName, RegExp][] = [
  ["signin", /^\/signin$/],
  ["photos", /^\/(?:photos)?$/],
  ["upload", /^\/photos\/upload$/],
  ["groups", /^\/photos\/groups$/],
  ["group", /^\/photos\/groups\/(?<groupId>[^/]+)$/],
  ["photo", /^\/photos\/(?<assetId>[^/]+)$/],
  ["members", /^\/members$/],
  ["import", /^\/members\/import$/],
  ["themes", /^\/members\/themes$/],
  ["overview", /^\/members\/overview$/],
  ["communities", /^\/instagram$/],
  ["audienceImport", /^\/instagram\/import$/],
  ["comparison", /^\/instagram\/compare$/],
  ["jobs", /^\/jobs$/],
  ["data", /^\/data$/],
];

export function matchRoute(pathname: string, search: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const query = new URLSearchParams(search);
  for (const [name, pattern] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) {
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(match.groups ?? {})) {
        params[key] = decodeURIComponent(value);
      }
      return { name, params, query };
    }
  }
  return { name: "notFound", params: {}, query };
}

/** The page to return to after sign-in: a path of this app, never another site. */
export function localPath(next: string | null): string {
  // Browsers read "//host" and "/\host" as another site.
  return next && next.startsWith("/") && !/^\/[/\\]/.test(next) ? next : "/photos";
}

type Listener = () => void;
let listener: Listener = () => {};

export function onNavigate(callback: Listener): void {
  listener = callback;
  window.addEventListener("popstate", () => listener());
  document.addEventListener("click", followLink);
}

export function navigate(url: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  listener();
}

function followLink(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
  const url = new URL(anchor.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/v1/")) return;
  event.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) {
    navigate(url.pathname + url.search + url.hash);
  }
}
