// Hand-made SVG charts: each has a text title and a table fallback for screen readers.

import { h, svg } from "./dom";
import { formatNumber, t } from "./i18n";

export interface Point {
  label: string;
  value: number;
}

const WIDTH = 480;
const HEIGHT = 210;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

function chartFrame(title: string, points: Point[], chart: SVGElement): HTMLElement {
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", title);
  return h(
    "figure",
    { class: "chart" },
    h("figcaption", {}, title),
    chart,
    h("details", { class: "chart-data" },
      h("summary", {}, t("chart.figures")),
      h("table", {}, h("tbody", {}, points.map((point) =>
        h("tr", {}, h("th", { scope: "row" }, point.label), h("td", {}, formatNumber(point.value, 2))))))),
  );
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const steps = [1, 2, 2.5, 5, 10];
  return (steps.find((step) => step * magnitude >= value) ?? 10) * magnitude;
}

function axis(max: number, innerHeight: number): SVGElement[] {
  return [0, 0.5, 1].map((fraction) => {
    const y = PAD.top + innerHeight * (1 - fraction);
    return svg("g", { class: "grid" },
      svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y }),
      svg("text", { x: PAD.left - 6, y: y + 4, "text-anchor": "end" }, formatNumber(max * fraction)));
  });
}

/** Labels along the x axis, thinned so they never overlap. */
function xLabels(points: Point[], x: (index: number) => number): SVGElement[] {
  const every = Math.max(1, Math.ceil(points.length / 8));
  return points
    .map((point, index) => ({ point, index }))
    .filter(({ index }) => index % every === 0)
    .map(({ point, index }) => svg("text", { x: x(index), y: HEIGHT - 8, "text-anchor": "middle", class: "x-label" }, point.label));
}

export function lineChart(title: string, points: Point[]): HTMLElement {
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...points.map((point) => point.value)));
  const x = (index: number) => PAD.left + (points.length < 2 ? innerWidth / 2 : (innerWidth * index) / (points.length - 1));
  const y = (value: number) => PAD.top + innerHeight * (1 - value / max);
  const path = points.map((point, index) => `${index ? "L" : "M"}${x(index).toFixed(1)},${y(point.value).toFixed(1)}`).join(" ");
  const area = points.length ? `${path} L${x(points.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z` : "";
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "line-chart" },
    axis(max, innerHeight),
    svg("path", { d: area, class: "area" }),
    svg("path", { d: path, class: "line" }),
    xLabels(points, x));
  return chartFrame(title, points, chart);
}

export function columnChart(title: string, points: Point[]): HTMLElement {
  const innerWidth = WIDTH - PAD.left - PAD.right;
  const innerHeight = HEIGHT - PAD.top - PAD.bottom;
  const max = niceMax(Math.max(0, ...points.map((point) => point.value)));
  const slot = innerWidth / Math.max(1, points.length);
  const x = (index: number) => PAD.left + slot * index + slot / 2;
  const bars = points.map((point, index) => {
    const height = (innerHeight * point.value) / max;
    return svg("rect", {
      x: x(index) - slot * 0.35, y: PAD.top + innerHeight - height, width: slot * 0.7, height, class: "bar", rx: 2,
    }, svg("title", {}, `${point.label}: ${formatNumber(point.value, 2)}`));
  });
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "column-chart" }, axis(max, innerHeight), bars, xLabels(points, x));
  return chartFrame(title, points, chart);
}

/** Horizontal bars as HTML, so long Danish labels wrap instead of being cut. */
export function barList(title: string, points: Point[], format: (value: number) => string = (v) => formatNumber(v, 1)): HTMLElement {
  const max = Math.max(0, ...points.map((point) => point.value)) || 1;
  return h("figure", { class: "chart bar-list" },
    h("figcaption", {}, title),
    h("ul", {}, points.map((point) =>
      h("li", {},
        h("span", { class: "bar-label" }, point.label),
        h("span", { class: "bar-track" }, h("span", { class: "bar-fill", style: `width:${(100 * point.value) / max}%` })),
        h("span", { class: "bar-value" }, format(point.value)))),
    ));
}

export function sparkline(values: number[], label: string): SVGElement {
  const width = 90;
  const height = 24;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const path = values.map((value, index) => `${index ? "L" : "M"}${(index * step).toFixed(1)},${(height - 2 - ((height - 4) * value) / max).toFixed(1)}`).join(" ");
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "sparkline", role: "img", "aria-label": label },
    svg("path", { d: path }));
}

export interface Bubble {
  id: string;
  label: string;
  size: number;
  tone: number;
}

/**
 * Circles with area proportional to size, placed greedily in a spiral: the largest in the
 * middle, each next one at the first free spot. Good enough for the dozens of themes or
 * communities a tenant has.
 */
export function layoutBubbles(bubbles: Bubble[], width: number, height: number): { bubble: Bubble; x: number; y: number; r: number }[] {
  const sorted = [...bubbles].sort((a, b) => b.size - a.size);
  const total = sorted.reduce((sum, bubble) => sum + bubble.size, 0) || 1;
  const scale = Math.sqrt((width * height * 0.45) / (Math.PI * total));
  const placed: { bubble: Bubble; x: number; y: number; r: number }[] = [];
  for (const bubble of sorted) {
    const r = Math.max(14, Math.sqrt(bubble.size) * scale);
    let spot = { x: width / 2, y: height / 2 };
    for (let step = 0; step < 4000; step++) {
      const angle = step * 0.35;
      const distance = step * 1.2;
      const candidate = { x: width / 2 + distance * Math.cos(angle), y: height / 2 + distance * Math.sin(angle) * 0.7 };
      const free = placed.every((other) => Math.hypot(other.x - candidate.x, other.y - candidate.y) >= other.r + r + 3);
      if (free) {
        spot = candidate;
        break;
      }
    }
    placed.push({ bubble, x: spot.x, y: spot.y, r });
  }
  return placed;
}

export function bubbleMap(title: string, bubbles: Bubble[], onSelect: (id: string) => void): HTMLElement {
  const width = 640;
  const height = 360;
  const placed = layoutBubbles(bubbles, width, height);
  const xs = placed.flatMap((item) => [item.x - item.r, item.x + item.r]);
  const ys = placed.flatMap((item) => [item.y - item.r, item.y + item.r]);
  const box = placed.length
    ? `${Math.min(...xs) - 4} ${Math.min(...ys) - 4} ${Math.max(...xs) - Math.min(...xs) + 8} ${Math.max(...ys) - Math.min(...ys) + 8}`
    : `0 0 ${width} ${height}`;
  const chart = svg("svg", { viewBox: box, class: "bubble-map", role: "group", "aria-label": title },
    placed.map(({ bubble, x, y, r }) => {
      const group = svg("g", { class: `bubble tone-${bubble.tone % 8}`, tabindex: 0, role: "button", "aria-label": `${bubble.label} (${bubble.size})`, "data-id": bubble.id },
        svg("circle", { cx: x, cy: y, r }),
        r > 28 ? svg("text", { x, y: y + 4, "text-anchor": "middle" }, shorten(bubble.label, Math.floor(r / 4))) : null,
        svg("title", {}, `${bubble.label}: ${bubble.size}`));
      group.addEventListener("click", () => onSelect(bubble.id));
      group.addEventListener("keydown", (event) => {
        const key = (event as KeyboardEvent).key;
        if (key === "Enter" || key === " ") {
          event.preventDefault();
          onSelect(bubble.id);
        }
      });
      return group;
    }));
  return h("figure", { class: "chart map" }, h("figcaption", {}, title), chart);
}

function shorten(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, Math.max(1, length - 1))}…`;
}
