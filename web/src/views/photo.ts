// One photo: the large image, what is known about it, and photos that look like it.

import { allows, loadedUser } from "../account";
import { api, imageUrl } from "../api";
import { h, replace } from "../dom";
import { formatBytes, formatDate, t } from "../i18n";
import { navigate, type Route } from "../router";
import { errorBox, linkButton, loading, markReady, pageHeader } from "../ui";
import { forgetPhoto, photoGrid, type PhotoSummary } from "./photo-grid";
import { photoTabs, shareButton } from "./photos";

interface Asset {
  asset_id: string;
  filename: string;
  folder: string;
  tags: string[];
  content_type: string;
  byte_size: number;
  width: number;
  height: number;
  taken_at: string | null;
  camera_make: string | null;
  camera_model: string | null;
  status: string;
  failure_reason: string | null;
  created_at: string;
}

export async function renderPhoto(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const assetId = route.params.assetId;
  const back = route.query.get("from_search");
  const [asset, user] = await Promise.all([
    api<Asset>(`/v1/assets/${encodeURIComponent(assetId)}`, { signal }),
    loadedUser(),
  ]);
  const original = `/v1/assets/${encodeURIComponent(assetId)}/original`;

  const picture = h("img", { class: "photo-large", alt: asset.filename, width: asset.width, height: asset.height });
  // The thumbnail shows at once; the original replaces it when it has arrived.
  imageUrl(`/v1/assets/${encodeURIComponent(assetId)}/thumbnail`).then((url) => {
    if (!picture.src) picture.src = url;
  }).catch(() => undefined);
  imageUrl(original).then((url) => {
    picture.src = url;
  }).catch(() => undefined);

  const similar = h("section", { class: "similar", "aria-labelledby": "similar-title", "aria-busy": "true" },
    h("h2", { id: "similar-title" }, t("photo.similar")), loading());

  const download = h("button", {
    type: "button",
    onclick: async () => {
      const link = h("a", { href: await imageUrl(original), download: asset.filename });
      link.click();
    },
  }, t("photo.download"));

  main.append(
    pageHeader(asset.filename, asset.folder ? t("photo.inFolder", { folder: asset.folder }) : undefined, shareButton()),
    photoTabs(""),
    h("div", { class: "photo-detail" },
      h("figure", {}, picture),
      h("div", { class: "photo-facts" },
        h("div", { class: "actions" },
          linkButton(`/photos?like=${encodeURIComponent(assetId)}`, t("photo.moreLikeThis"), true),
          download,
          back ? linkButton(`/photos${back}`, t("photo.backToResults")) : null,
        ),
        allows(user, "photos:write") ? photoDeletion(asset, back ? `/photos${back}` : "/photos") : null,
        facts(asset),
      ),
    ),
    similar,
  );
  markReady("photo");

  try {
    const page = await api<{ hits: PhotoSummary[] }>(`/v1/assets/${encodeURIComponent(assetId)}/similar`, {
      query: { limit: 12, exclude_self: true }, signal,
    });
    similar.setAttribute("aria-busy", "false");
    replace(similar, h("h2", { id: "similar-title" }, t("photo.similar")),
      page.hits.length ? photoGrid(page.hits) : h("p", {}, t("photo.noSimilar")));
  } catch (error) {
    similar.setAttribute("aria-busy", "false");
    replace(similar, h("h2", { id: "similar-title" }, t("photo.similar")), errorBox(error));
  }
}

/** Build a delete button with a confirmation step. After the deletion it opens the photo list. */
function photoDeletion(asset: Asset, listPath: string): HTMLElement {
  const panel = h("div", { class: "photo-deletion" });
  const status = h("div", { "aria-live": "polite" });
  const confirmButton = h("button", { type: "button", class: "danger primary", onclick: () => void confirm() },
    t("photo.confirmDelete"));
  const deleteButton = h("button", { type: "button", class: "danger", "aria-expanded": "false", onclick: ask },
    t("photo.delete"));

  function ask(): void {
    deleteButton.setAttribute("aria-expanded", "true");
    const title = h("strong", { id: "delete-photo-title", tabindex: "-1" },
      t("photo.confirmDeleteTitle", { name: asset.filename }));
    replace(panel, deleteButton, h("div", { class: "notice confirm", role: "group", "aria-labelledby": "delete-photo-title" },
      title,
      h("p", {}, t("photo.confirmDeleteText")),
      h("div", { class: "actions" }, confirmButton, h("button", { type: "button", onclick: cancel }, t("common.cancel"))),
      status));
    title.focus();
  }

  function cancel(): void {
    deleteButton.setAttribute("aria-expanded", "false");
    replace(panel, deleteButton);
    deleteButton.focus();
  }

  async function confirm(): Promise<void> {
    confirmButton.disabled = true;
    replace(status, h("p", { role: "status" }, t("photo.deleting")));
    try {
      await api(`/v1/assets/${encodeURIComponent(asset.asset_id)}`, { method: "DELETE" });
    } catch (error) {
      confirmButton.disabled = false;
      replace(status, errorBox(error));
      return;
    }
    forgetPhoto(asset.asset_id);
    // Replace the deleted photo's page in the history, so "back" does not lead to it.
    navigate(listPath, { replace: true });
  }

  replace(panel, deleteButton);
  return panel;
}

function facts(asset: Asset): HTMLElement {
  const camera = [asset.camera_make, asset.camera_model].filter(Boolean).join(" ");
  const rows: [string, Node | string][] = [
    [t("photo.taken"), formatDate(asset.taken_at, true)],
    [t("photo.folder"), asset.folder ? h("a", { href: `/photos?folder=${encodeURIComponent(asset.folder)}` }, asset.folder) : "–"],
    [t("photo.tags"), asset.tags.length
      ? h("span", { class: "chips" }, asset.tags.map((tag) => h("a", { class: "chip", href: `/photos?tag=${encodeURIComponent(tag)}` }, tag)))
      : "–"],
    [t("photo.size"), `${asset.width} × ${asset.height} px, ${formatBytes(asset.byte_size)}`],
    [t("photo.camera"), camera || "–"],
    [t("photo.uploaded"), formatDate(asset.created_at, true)],
    [t("photo.status"), statusText(asset)],
  ];
  return h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

function statusText(asset: Asset): string {
  if (asset.status === "indexed") return t("photo.statusIndexed");
  if (asset.status === "failed") return t("photo.statusFailed", { reason: asset.failure_reason ?? "" });
  return t("photo.statusProcessing");
}
