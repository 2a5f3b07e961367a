// What a failed request means to the user, and what they can do about it.

import { ApiError, NETWORK_FAILURE } from "./api";
import type { MessageKey } from "./i18n";

export interface ErrorExplanation {
  title: MessageKey;
  action: MessageKey;
  /**
   * The server's own sentence, shown small under the explanation.
   * NOTE: the API writes its messages and rejection reasons in English only, so a Danish page
   * shows them in English.
   */
  detail: string;
}

// Codes of the agreed error body that deserve their own wording; others fall back to the status.
const BY_CODE: Record<string, [MessageKey, MessageKey]> = {
  invalid_credentials: ["error.credentials", "action.credentials"],
  model_unavailable: ["error.modelUnavailable", "action.later"],
  too_large: ["error.tooLarge", "action.smaller"],
  payload_too_large: ["error.tooLarge", "action.smaller"],
};

export function explainError(error: unknown): ErrorExplanation {
  if (!(error instanceof ApiError)) {
    return { title: "error.unexpected", action: "action.reload", detail: String(error) };
  }
  const detail = error.serverMessage;
  const known = error.code ? BY_CODE[error.code] : undefined;
  if (known) return { title: known[0], action: known[1], detail };
  const [title, action] = byStatus(error.status);
  return { title, action, detail };
}

function byStatus(status: number): [MessageKey, MessageKey] {
  if (status === NETWORK_FAILURE) return ["error.network", "action.network"];
  if (status === 401) return ["error.signedOut", "action.signIn"];
  if (status === 403) return ["error.forbidden", "action.askOwner"];
  if (status === 404) return ["error.notFound", "action.checkLink"];
  if (status === 409) return ["error.conflict", "action.later"];
  if (status === 413) return ["error.tooLarge", "action.smaller"];
  if (status === 400 || status === 422) return ["error.invalid", "action.fix"];
  if (status === 429) return ["error.rateLimited", "action.slowDown"];
  if (status === 503) return ["error.unavailable", "action.later"];
  return ["error.server", "action.later"];
}
