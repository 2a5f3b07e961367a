// Drag-and-drop upload of photos and zips, one request per file so each gets its own progress.

import { postWithProgress } from "../api";
import { h, replace } from "../dom";
import { explainError } from "../errors";
import { formatBytes, t } from "../i18n";
import type { Route } from "../router";
import { linkButton, markReady, pageHeader, progressBar } from "../ui";
import { photoTabs } from "./photos";

interface UploadReport {
  upload_id: string;
  stored: number;
  duplicate: number;
  rejected: number;
  items: { path: string; status: "stored" | "duplicate" | "rejected"; asset_id: string | null; reason: string | null }[];
}

const PARALLEL_UPLOADS = 2;
const ACCEPTED = /\.(jpe?g|png|webp|tiff?|gif|heic|heif|zip)$/i;

export async function renderUpload(main: HTMLElement, _route: Route, _signal: AbortSignal): Promise<void> {
  const list = h("ol", { class: "upload-list", "aria-live": "polite" });
  const summary = h("div", { class: "upload-summary", role: "status" });
  const folder = h("input", { id: "upload-folder", name: "folder", type: "text", placeholder: t("upload.folderPlaceholder") });
  const tags = h("input", { id: "upload-tags", name: "tags", type: "text", placeholder: t("upload.tagsPlaceholder") });
  const picker = h("input", {
    id: "upload-files", type: "file", multiple: true, class: "visually-hidden",
    accept: "image/*,.heic,.zip,application/zip",
    onchange: () => {
      if (picker.files) void uploadAll([...picker.files]);
      picker.value = "";
    },
  });
  const zone = h(
    "div",
    { class: "drop-zone", "data-testid": "drop-zone" },
    h("p", { class: "drop-title" }, t("upload.drop")),
    h("p", {}, t("upload.accepted")),
    h("label", { for: "upload-files", class: "button primary" }, t("upload.choose")),
    picker,
  );
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length) void uploadAll(files);
  });

  async function uploadAll(files: File[]): Promise<void> {
    const queue = files.map((file) => ({ file, row: fileRow(file) }));
    list.append(...queue.map((entry) => entry.row.element));
    const totals = { stored: 0, duplicate: 0, rejected: 0, failed: 0 };
    const worker = async (): Promise<void> => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const outcome = await uploadOne(entry.file, entry.row);
        totals.stored += outcome.stored;
        totals.duplicate += outcome.duplicate;
        totals.rejected += outcome.rejected;
        totals.failed += outcome.failed;
      }
    };
    replace(summary, t("upload.busy", { count: files.length }));
    await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, worker));
    replace(summary,
      h("p", {}, t("upload.done", totals)),
      totals.stored ? h("p", {}, t("upload.processing"), " ", linkButton("/photos", t("upload.seePhotos"))) : null,
    );
  }

  async function uploadOne(file: File, row: FileRow): Promise<{ stored: number; duplicate: number; rejected: number; failed: number }> {
    if (!ACCEPTED.test(file.name)) {
      row.show("rejected", t("upload.unsupported"));
      return { stored: 0, duplicate: 0, rejected: 1, failed: 0 };
    }
    const form = new FormData();
    form.append("files", file, file.name);
    if (folder.value.trim()) form.append("folder", folder.value.trim());
    if (tags.value.trim()) form.append("tags", tags.value.trim());
    try {
      const report = await postWithProgress<UploadReport>("/v1/uploads", form, (progress) =>
        row.progress(progress.loaded / Math.max(1, progress.total)),
      );
      row.report(report);
      return { stored: report.stored, duplicate: report.duplicate, rejected: report.rejected, failed: 0 };
    } catch (error) {
      const explanation = explainError(error);
      row.show("failed", `${t(explanation.title)} ${t(explanation.action)}`, explanation.detail);
      return { stored: 0, duplicate: 0, rejected: 0, failed: 1 };
    }
  }

  main.append(
    pageHeader(t("upload.title"), t("upload.intro")),
    photoTabs("/photos/upload"),
    h("div", { class: "upload-options" },
      h("div", { class: "field" }, h("label", { for: "upload-folder" }, t("upload.folder")), folder),
      h("div", { class: "field" }, h("label", { for: "upload-tags" }, t("upload.tags")), tags),
    ),
    zone,
    summary,
    list,
  );
  markReady("upload");
}

interface FileRow {
  element: HTMLElement;
  progress(fraction: number): void;
  show(state: string, text: string, detail?: string): void;
  report(report: UploadReport): void;
}

function fileRow(file: File): FileRow {
  const state = h("span", { class: "state" }, t("upload.waiting"));
  const bar = h("div", { class: "bar" });
  const details = h("div", { class: "details" });
  const element = h("li", { class: "upload-item", "data-state": "waiting" },
    h("span", { class: "name" }, file.name), h("span", { class: "size" }, formatBytes(file.size)), state, bar, details);

  function show(name: string, text: string, detail?: string): void {
    element.dataset.state = name;
    state.textContent = text;
    replace(bar);
    if (detail) replace(details, h("p", { class: "detail" }, detail));
  }

  return {
    element,
    show,
    progress(fraction: number) {
      element.dataset.state = "uploading";
      state.textContent = fraction >= 1 ? t("upload.reading") : t("upload.sending");
      replace(bar, progressBar(fraction, t("upload.progressOf", { name: file.name })));
    },
    report(report: UploadReport) {
      const single = report.items.length === 1 ? report.items[0] : null;
      if (single) {
        const text = single.status === "rejected" ? t("upload.rejected", { reason: single.reason ?? "" }) : t(`upload.${single.status}`);
        show(single.status, text);
        return;
      }
      show(report.rejected ? "partly" : "stored", t("upload.archive", { stored: report.stored, duplicate: report.duplicate, rejected: report.rejected }));
      const rejected = report.items.filter((item) => item.status === "rejected");
      if (rejected.length) {
        replace(details, h("details", {},
          h("summary", {}, t("upload.showRejected", { count: rejected.length })),
          h("ul", {}, rejected.map((item) => h("li", {}, h("strong", {}, item.path), `: ${item.reason ?? ""}`))),
        ));
      }
    },
  };
}
