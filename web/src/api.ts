// Calls to the Datafantasi API with the session's credentials, and its errors as ApiError.

import { authHeaders, loadCredentials, renewIfExpiring } from "./session";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    readonly serverMessage: string,
    readonly details: unknown = null,
  ) {
    super(serverMessage || `HTTP ${status}`);
    this.name = "ApiError";
  }
}

/** Status 0 stands for a request that never got an HTTP response. */
export const NETWORK_FAILURE = 0;

type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: string;
  query?: Query;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  await renewIfExpiring();
  const headers: Record<string, string> = { Accept: "application/json", ...authHeaders(loadCredentials()) };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method: options.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(NETWORK_FAILURE, null, String(error));
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** One page of a paginated list: its items and the link to the next page, null on the last. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

/**
 * Return the path and query of a page's next link. The server builds the link from the URL it
 * saw, whose host can differ behind a proxy, so the request stays on the app's own origin.
 */
export function nextPagePath(next: string): string {
  const url = new URL(next, "http://localhost");
  return url.pathname + url.search;
}

/** Fetch every page of a paginated list by following its next links, and return all the items. */
export async function apiAll<T>(path: string, options: RequestOptions = {}): Promise<T[]> {
  const items: T[] = [];
  let page = await api<Page<T>>(path, options);
  items.push(...page.items);
  while (page.next) {
    page = await api<Page<T>>(nextPagePath(page.next), { signal: options.signal });
    items.push(...page.items);
  }
  return items;
}

/** Fetch an authenticated image and return an object URL for an <img>. */
export async function imageUrl(path: string): Promise<string> {
  const cached = imageCache.get(path);
  if (cached) return cached;
  const pending = fetchImage(path);
  imageCache.set(path, pending);
  evictOldImages();
  pending.catch(() => imageCache.delete(path));
  return pending;
}

const imageCache = new Map<string, Promise<string>>();
const MAX_CACHED_IMAGES = 600;

/** Forget the images of the signed-in tenant, on sign-out. */
export function clearImageCache(): void {
  for (const url of imageCache.values()) url.then(URL.revokeObjectURL, () => undefined);
  imageCache.clear();
}

function evictOldImages(): void {
  // A Map iterates in insertion order, so the first entries are the oldest.
  for (const [path, url] of imageCache) {
    if (imageCache.size <= MAX_CACHED_IMAGES) break;
    imageCache.delete(path);
    url.then(URL.revokeObjectURL, () => undefined);
  }
}

async function fetchImage(path: string): Promise<string> {
  const response = await fetch(path, { headers: authHeaders(loadCredentials()) });
  if (!response.ok) throw await errorFrom(response);
  return URL.createObjectURL(await response.blob());
}

export async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // A proxy's HTML error page or an empty body: the status alone must do.
  }
  return parseErrorBody(response.status, body);
}

/** Read both the agreed `{"error": {...}}` body and FastAPI's `{"detail": ...}`. */
export function parseErrorBody(status: number, body: unknown): ApiError {
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    const error = record.error;
    if (error && typeof error === "object") {
      const { code, message, details } = error as Record<string, unknown>;
      return new ApiError(
        status,
        typeof code === "string" ? code : null,
        typeof message === "string" ? message : "",
        details ?? null,
      );
    }
    if (typeof record.detail === "string") {
      return new ApiError(status, null, record.detail, record.errors ?? null);
    }
    if (Array.isArray(record.detail)) {
      const messages = record.detail
        .map((item) => (item && typeof item === "object" ? String((item as { msg?: unknown }).msg ?? "") : ""))
        .filter(Boolean);
      return new ApiError(status, null, messages.join("; "), record.detail);
    }
  }
  return new ApiError(status, null, "");
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/** POST a form with upload progress, which fetch cannot report. */
export function postWithProgress<T>(
  path: string,
  form: FormData,
  onProgress: (progress: UploadProgress) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    request.setRequestHeader("Accept", "application/json");
    for (const [name, value] of Object.entries(authHeaders(loadCredentials()))) {
      request.setRequestHeader(name, value);
    }
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress({ loaded: event.loaded, total: event.total });
    };
    request.onerror = () => reject(new ApiError(NETWORK_FAILURE, null, "network error"));
    request.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = null;
      }
      if (request.status >= 200 && request.status < 300) resolve(body as T);
      else reject(parseErrorBody(request.status, body));
    };
    request.send(form);
  });
}
