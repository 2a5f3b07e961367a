import "./styles.css";
import { allows, chooseLanguage, currentUser, forgetUser, loadUser, type Action } from "./account";
import { ApiError, clearImageCache } from "./api";
import { h, replace } from "./dom";
import { language, LANGUAGES, setLanguage, t, type Language, type MessageKey } from "./i18n";
import { localPath, matchRoute, navigate, onNavigate, type Route } from "./router";
import { clearCredentials, loadCredentials } from "./session";
import { errorBox } from "./ui";
import { renderSignIn } from "./views/signin";
import { VIEWS } from "./views/index";

// A section with a required action is shown only to users allowed to do it.
const SECTIONS: [prefix: string, href: string, label: MessageKey, requires?: Action][] = [
  ["/photos", "/photos", "nav.photos"],
  ["/members", "/members", "nav.members"],
  ["/instagram", "/instagram", "nav.instagram"],
  ["/jobs", "/jobs", "nav.jobs"],
  ["/data", "/data", "nav.data", "admin"],
];

const app = document.getElementById("app") as HTMLElement;
let controller = new AbortController();
let userLoaded = false;

async function render(): Promise<void> {
  controller.abort();
  controller = new AbortController();
  const route = matchRoute(location.pathname, location.search);
  document.documentElement.lang = language();

  if (!loadCredentials()) {
    userLoaded = false;
    if (route.name !== "signin") {
      const next = location.pathname + location.search;
      navigate(`/signin?next=${encodeURIComponent(next)}`, { replace: true });
      return;
    }
    replace(app, renderSignIn(route, signedIn));
    return;
  }
  if (route.name === "signin") {
    navigate(localPath(route.query.get("next")), { replace: true });
    return;
  }
  if (!userLoaded) {
    // The view does not wait for the user: the language stored in this browser is usually the
    // user's, and the shell is drawn again when the server's differs.
    userLoaded = true;
    void refreshUser();
  }
  const main = h("main", { id: "main", tabindex: "-1" });
  replace(app, shell(route), main);
  document.title = `${t(titleKey(route))} · Datafantasi`;
  try {
    await VIEWS[route.name](main, route, controller.signal);
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") return;
    if (error instanceof ApiError && error.status === 401) return signOut();
    main.append(errorBox(error, () => void render()));
  }
}

async function refreshUser(): Promise<void> {
  const before = language();
  try {
    await loadUser();
  } catch (error) {
    userLoaded = false;
    if (error instanceof ApiError && error.status === 401) signOut();
    // Other failures leave the shell without a name; the views report the problem themselves.
    return;
  }
  if (language() !== before) {
    await render();
    return;
  }
  const topbar = document.querySelector(".topbar");
  const route = matchRoute(location.pathname, location.search);
  if (topbar) topbar.replaceWith(shell(route));
}

function titleKey(route: Route): MessageKey {
  const section = SECTIONS.find(([prefix]) => location.pathname.startsWith(prefix));
  return route.name === "notFound" || !section ? "app.name" : section[2];
}

function shell(route: Route): HTMLElement {
  const user = currentUser();
  return h(
    "header",
    { class: "topbar" },
    h("a", { class: "skip", href: "#main", onclick: skipToMain }, t("nav.skip")),
    h("a", { class: "brand", href: "/photos" }, "Datafantasi"),
    h(
      "nav",
      { class: "main-nav", "aria-label": t("nav.main") },
      SECTIONS.filter(([, , , requires]) => !requires || allows(user, requires)).map(([prefix, href, label]) =>
        h(
          "a",
          {
            href,
            "aria-current":
              location.pathname.startsWith(prefix) || (route.name === "photos" && prefix === "/photos")
                ? "page"
                : null,
          },
          t(label),
        ),
      ),
    ),
    h(
      "div",
      { class: "account" },
      languageSwitch(),
      user ? h("span", { class: "who", title: user.email }, user.tenant_name || user.name) : null,
      h("button", { type: "button", class: "link", onclick: signOut }, t("nav.signOut")),
    ),
  );
}

function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById("main")?.focus();
}

export function languageSwitch(): HTMLElement {
  return h(
    "div",
    { class: "language", role: "group", "aria-label": t("nav.language") },
    LANGUAGES.map((code) =>
      h(
        "button",
        {
          type: "button",
          lang: code,
          "aria-pressed": String(code === language()),
          onclick: () => void switchLanguage(code),
        },
        code === "da" ? "Dansk" : "English",
      ),
    ),
  );
}

async function switchLanguage(code: Language): Promise<void> {
  try {
    await chooseLanguage(code);
  } catch {
    // The choice is kept in this browser even when the server could not store it.
  }
  await render();
}

function signedIn(): void {
  userLoaded = false;
  navigate(localPath(new URLSearchParams(location.search).get("next")), { replace: true });
}

function signOut(): void {
  clearCredentials();
  clearImageCache();
  forgetUser();
  userLoaded = false;
  navigate("/signin", { replace: true });
}

setLanguage(language());
onNavigate(() => {
  void render().then(() => {
    if (document.activeElement === document.body) document.getElementById("page-title")?.focus({ preventScroll: true });
  });
});
void render();
