// Running and finished jobs with their progress, and errors in words with what to do next.

import { api } from "../api";
import { h, replace } from "../dom";
import { formatDate, t, type MessageKey } from "../i18n";
import type { Route } from "../router";
import { emptyState, errorBox, markReady, pageHeader, progressBar } from "../ui";

export interface Job {
  job_id: string;
  kind: string;
  status: "queued" | "running" | "succeeded" | "failed";
  progress: number;
  message: string;
  error: string | null;
  result: Record<string, unknown> | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const POLL_MS = 1500;
const KIND_NAMES: Record<string, MessageKey> = {
  themes: "jobs.kind.themes",
  "analytics.themes": "jobs.kind.themes",
  "search.visual_groups": "jobs.kind.groups",
  "audience.communities": "jobs.kind.communities",
  "assets.reindex": "jobs.kind.reindex",
  "assets.rebuild_thumbnails": "jobs.kind.thumbnails",
};

async function listJobs(signal: AbortSignal): Promise<Job[]> {
  const page = await api<{ items: Job[] }>("/v1/jobs", { query: { limit: 50 }, signal });
  return page.items;
}

export function jobKindName(kind: string): string {
  const key = KIND_NAMES[kind];
  return key ? t(key) : kind;
}

export function isFinished(job: Job): boolean {
  return job.status === "succeeded" || job.status === "failed";
}

/** Poll a job until it finishes, showing its progress in `target`; throws for a failed job. */
export async function waitForJob(jobId: string, target: HTMLElement, signal?: AbortSignal): Promise<Job> {
  for (;;) {
    const job = await api<Job>(`/v1/jobs/${encodeURIComponent(jobId)}`, { signal });
    if (job.status === "failed") {
      replace(target, jobError(job));
      throw new JobFailed(job);
    }
    if (job.status === "succeeded") {
      replace(target);
      return job;
    }
    replace(target, h("div", { class: "job-progress" },
      h("span", {}, job.message || t(`jobs.status.${job.status}`)),
      progressBar(job.progress, jobKindName(job.kind))));
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (signal?.aborted) throw new DOMException("aborted", "AbortError");
  }
}

export class JobFailed extends Error {
  constructor(readonly job: Job) {
    super(job.error ?? "job failed");
  }
}

function jobError(job: Job): HTMLElement {
  return h("div", { class: "notice error", role: "alert" },
    h("strong", {}, t("jobs.failedTitle", { kind: jobKindName(job.kind) })),
    h("p", {}, t("jobs.failedAction")),
    job.error ? h("p", { class: "detail" }, t("error.detail", { detail: job.error })) : null);
}

export async function renderJobs(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  const table = h("div", { "aria-live": "polite" });
  main.append(pageHeader(t("jobs.title"), t("jobs.intro")), table);

  const refresh = async (): Promise<void> => {
    let jobs: Job[];
    try {
      jobs = await listJobs(signal);
    } catch (error) {
      if (signal.aborted) return;
      replace(table, errorBox(error, () => void refresh()));
      return;
    }
    replace(table, jobs.length ? jobTable(jobs) : emptyState(t("jobs.emptyTitle"), t("jobs.emptyText")));
    markReady("jobs");
    if (jobs.some((job) => !isFinished(job)) && !signal.aborted) setTimeout(() => void refresh(), POLL_MS);
  };
  await refresh();
}

function jobTable(jobs: Job[]): HTMLElement {
  return h("ul", { class: "job-list" }, jobs.map((job) =>
    h("li", { class: "job", "data-status": job.status },
      h("div", { class: "job-head" },
        h("strong", {}, jobKindName(job.kind)),
        h("span", { class: `badge ${job.status}` }, t(`jobs.status.${job.status}`)),
      ),
      isFinished(job) ? null : progressBar(job.progress, jobKindName(job.kind)),
      job.message && !job.error ? h("p", {}, job.message) : null,
      job.status === "failed" ? jobError(job) : null,
      h("p", { class: "times" },
        t("jobs.started", { when: formatDate(job.started_at ?? job.created_at, true) }),
        job.finished_at ? ` · ${t("jobs.finished", { when: formatDate(job.finished_at, true) })}` : ""),
    )));
}
