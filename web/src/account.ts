// The signed-in user from GET /v1/me, and the language stored with the user.

import { api, ApiError } from "./api";
import { language, setLanguage, type Language } from "./i18n";

export interface Me {
  user_id: string;
  email: string;
  name: string;
  role: string;
  tenant_id: string;
  tenant_name: string;
  language: Language | null;
  /** Actions the user or key may do, such as "photos:write", or "admin" for owners. */
  actions: string[];
}

export type Action = "photos:write" | "analytics:write" | "audience:write" | "admin";

let me: Me | null = null;
let pending: Promise<Me | null> | null = null;
let chosenBeforeSignIn: Language | null = null;

/** Remember a language picked on the sign-in page, to store with the user once signed in. */
export function chooseLanguageBeforeSignIn(next: Language): void {
  chosenBeforeSignIn = next;
  setLanguage(next);
}

export function currentUser(): Me | null {
  return me;
}

/**
 * Load the caller from GET /v1/me: a user, or a partner key without name or e-mail. A server
 * without user accounts has none.
 */
export function loadUser(): Promise<Me | null> {
  pending = fetchUser();
  return pending;
}

/**
 * Return the user once the load under way has finished, or null when it failed. Views that show
 * a control only to users allowed to use it wait for this, because they render while it loads.
 */
export async function loadedUser(): Promise<Me | null> {
  try {
    return await (pending ?? me);
  } catch {
    return null;
  }
}

/** Test whether the user may do `action`. Without a loaded user, nothing is allowed. */
export function allows(user: Me | null, action: Action): boolean {
  return user?.actions?.includes(action) ?? false;
}

async function fetchUser(): Promise<Me | null> {
  try {
    me = await api<Me>("/v1/me");
  } catch (error) {
    if (error instanceof ApiError && [404, 405].includes(error.status)) me = null;
    else throw error;
  }
  const chosen = chosenBeforeSignIn;
  chosenBeforeSignIn = null;
  if (me && chosen && chosen !== me.language) {
    // A choice made on the sign-in page is newer than the one stored with the user.
    me = { ...me, language: chosen };
    await api("/v1/me", { method: "PATCH", json: { language: chosen } });
  }
  if (me?.language === "da" || me?.language === "en") setLanguage(me.language);
  return me;
}

export function forgetUser(): void {
  me = null;
  pending = null;
}

/** Switch the language now, and store it with the user when there is one. */
export async function chooseLanguage(next: Language): Promise<void> {
  if (next === language()) return;
  setLanguage(next);
  if (me) {
    me = { ...me, language: next };
    await api("/v1/me", { method: "PATCH", json: { language: next } });
  }
}
