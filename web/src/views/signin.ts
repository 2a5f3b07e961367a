import { chooseLanguageBeforeSignIn } from "../account";
import { api, ApiError } from "../api";
import { h, replace } from "../dom";
import { language, LANGUAGES, t } from "../i18n";
import type { Route } from "../router";
import { saveCredentials } from "../session";
import { errorBox } from "../ui";

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number | null;
}

export function renderSignIn(route: Route, done: () => void): HTMLElement {
  const problem = h("div", { "aria-live": "polite" });
  const root = h("main", { id: "main", class: "signin", tabindex: "-1" });

  const email = h("input", { id: "email", name: "email", type: "email", autocomplete: "username", required: true });
  const password = h("input", {
    id: "password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  const passwordForm = h(
    "form",
    { class: "stack", onsubmit: (event: Event) => void signInWithPassword(event) },
    h("label", { for: "email" }, t("signin.email")),
    email,
    h("label", { for: "password" }, t("signin.password")),
    password,
    h("button", { type: "submit", class: "primary" }, t("signin.submit")),
  );

  const key = h("input", { id: "partner-key", name: "partner-key", type: "password", autocomplete: "off", required: true, spellcheck: "false" });
  const keyForm = h(
    "form",
    { class: "stack", onsubmit: (event: Event) => void signInWithKey(event) },
    h("label", { for: "partner-key" }, t("signin.key")),
    key,
    h("p", { class: "hint" }, t("signin.keyHint")),
    h("button", { type: "submit" }, t("signin.keySubmit")),
  );

  async function signInWithPassword(event: Event): Promise<void> {
    event.preventDefault();
    replace(problem);
    try {
      const token = await api<TokenResponse>("/v1/auth/token", {
        json: { email: email.value.trim(), password: password.value },
      });
      saveCredentials({
        kind: "bearer",
        secret: token.access_token,
        expiresAt: token.expires_in ? Date.now() + token.expires_in * 1000 : null,
      });
      done();
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
        replace(problem, h("div", { class: "notice error", role: "alert" }, t("signin.unavailable")));
      } else if (error instanceof ApiError && (error.status === 401 || error.status === 400)) {
        replace(problem, h("div", { class: "notice error", role: "alert" }, t("signin.wrong")));
      } else {
        replace(problem, errorBox(error));
      }
    }
  }

  async function signInWithKey(event: Event): Promise<void> {
    event.preventDefault();
    replace(problem);
    saveCredentials({ kind: "key", secret: key.value.trim() });
    try {
      // Any tenant-scoped read tells whether the key is valid.
      await api("/v1/assets", { query: { limit: 1 } });
      done();
    } catch (error) {
      localStorage.removeItem("datafantasi.session");
      if (error instanceof ApiError && error.status === 401) {
        replace(problem, h("div", { class: "notice error", role: "alert" }, t("signin.wrongKey")));
      } else {
        replace(problem, errorBox(error));
      }
    }
  }

  replace(
    root,
    h(
      "div",
      { class: "signin-card" },
      h("div", { class: "language", role: "group", "aria-label": t("nav.language") },
        LANGUAGES.map((code) =>
          h("button", {
            type: "button", lang: code, "aria-pressed": String(code === language()),
            onclick: () => {
              chooseLanguageBeforeSignIn(code);
              const fresh = renderSignIn(route, done);
              root.replaceWith(fresh);
            },
          }, code === "da" ? "Dansk" : "English"),
        ),
      ),
      h("h1", { id: "page-title", tabindex: "-1" }, "Datafantasi"),
      h("p", { class: "intro" }, t("signin.intro")),
      problem,
      passwordForm,
      h("details", { class: "partner" }, h("summary", {}, t("signin.keyToggle")), keyForm),
    ),
  );
  return root;
}
