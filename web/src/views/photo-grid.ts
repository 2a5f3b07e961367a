// The grid of photo thumbnails used by search results, similar photos and visual groups.

import { imageUrl } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

export interface PhotoSummary {
  asset_id: string;
  filename?: string;
  score?: number;
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
    photos.map((photo) => {
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
