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
}

let me: Me | null = null;
let chosenBeforeSignIn: Language | null = null;

/** Remember a language picked on the sign-in page, to store with the user once signed in. */
export function chooseLanguageBeforeSignIn(next: Language): void {
  chosenBeforeSignIn = next;
  setLanguage(next);
}

export function currentUser(): Me | null {
  return me;
}

/** Load the user; a partner key (or a server without user accounts) has none. */
export async function loadUser(): Promise<Me | null> {
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
