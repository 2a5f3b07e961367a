import type { Route, RouteName } from "../router";
import { h } from "../dom";
import { t } from "../i18n";
import { emptyState, linkButton, markReady } from "../ui";
import { renderAudienceImport } from "./audience-import";
import { renderCommunities } from "./communities";
import { renderComparison } from "./comparison";
import { renderData } from "./data";
import { renderGroup, renderGroups } from "./groups";
import { renderImport } from "./import";
import { renderJobs } from "./jobs";
import { renderMembers } from "./members";
import { renderOverview } from "./overview";
import { renderPhoto } from "./photo";
import { renderThemes } from "./themes";
import { renderPhotos } from "./photos";
import { renderUpload } from "./upload";

export type View = (main: HTMLElement, route: Route, signal: AbortSignal) => Promise<void>;

async function renderNotFound(main: HTMLElement): Promise<void> {
  main.append(h("div", { class: "page" }, emptyState(t("notFound.title"), t("notFound.text"), linkButton("/photos", t("nav.photos"), true))));
  markReady("notFound");
}

export const VIEWS: Record<Exclude<RouteName, "signin">, View> = {
  photos: renderPhotos,
  photo: renderPhoto,
  upload: renderUpload,
  groups: renderGroups,
  group: renderGroup,
  members: renderMembers,
  import: renderImport,
  themes: renderThemes,
  overview: renderOverview,
  communities: renderCommunities,
  audienceImport: renderAudienceImport,
  comparison: renderComparison,
  jobs: renderJobs,
  data: renderData,
  notFound: renderNotFound,
};
