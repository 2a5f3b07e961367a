// The grid of photo thumbnails used by search results, similar photos and visual groups.

import { imageUrl } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

export interface PhotoSummary {
  asset_id: string;
  filename?: string;
  score?: number;
}

// Photos deleted in this browser. The search index drops a deleted photo a moment after the delete
// request returns, so search results fetched in between can still contain it.
const deletedPhotos = new Set<string>();

export function forgetPhoto(assetId: string): void {
  deletedPhotos.add(assetId);
}

export function thumbnail(assetId: string, alt: string): HTMLImageElement {
  const image = h("img", { alt, class: "thumb", decoding: "async" });
  imageUrl(`/v1/assets/${encodeURIComponent(assetId)}/thumbnail`)
    .then((url) => {
      image.src = url;
    })
    .catch(() => {
      image.classList.add("missing");
      image.alt = t("photos.thumbMissing", { name: alt });
    });
  return image;
}

export function photoGrid(photos: PhotoSummary[], linkSuffix = ""): HTMLElement {
  return h(
    "ul",
    { class: "photo-grid" },
    photos.filter((photo) => !deletedPhotos.has(photo.asset_id)).map((photo) => {
      const name = photo.filename || photo.asset_id.slice(0, 12);
      return h(
        "li",
        {},
        h(
          "a",
          { href: `/photos/${encodeURIComponent(photo.asset_id)}${linkSuffix}`, class: "photo-card" },
          thumbnail(photo.asset_id, name),
          h("span", { class: "caption" }, name),
        ),
      );
    }),
  );
}
