// Bar charts, always paired with the same numbers as text so nothing depends on seeing the bars:
// a simple horizontal chart as inline SVG for the reports (prints crisply and needs no library),
// and the contribution view's charts, one bar per partner and figure, each with its table.
import { h } from "./dom";

const SVG = "http://www.w3.org/2000/svg";

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export interface Bar {
  label: string;
  value: number;
  /** Optional second series drawn as a stacked part (e.g. the teacher's share next to the librarian's). */
  second?: number;
}

/** Bars scaled to the largest value; labels on the left, the value (or "a / b") after each bar. */
export function barChart(title: string, bars: Bar[], opts: { colors?: [string, string]; legend?: [string, string] } = {}): SVGSVGElement {
  const [c1, c2] = opts.colors ?? ["#0f766e", "#6d28d9"];
  const row = 26, labelW = 210, barW = 300, top = opts.legend ? 26 : 6;
  const height = top + Math.max(1, bars.length) * row + 6;
  const svg = el("svg", { viewBox: `0 0 ${labelW + barW + 90} ${height}`, width: "100%", role: "img", class: "cp-svg-chart" }) as SVGSVGElement;
  svg.append(el("title", {}, title));
  if (opts.legend) {
    svg.append(el("rect", { x: labelW, y: 6, width: 12, height: 12, fill: c1 }));
    svg.append(el("text", { x: labelW + 16, y: 16, "font-size": 12 }, opts.legend[0]));
    svg.append(el("rect", { x: labelW + 130, y: 6, width: 12, height: 12, fill: c2 }));
    svg.append(el("text", { x: labelW + 146, y: 16, "font-size": 12 }, opts.legend[1]));
  }
  const max = Math.max(1, ...bars.map((b) => b.value + (b.second ?? 0)));
  bars.forEach((b, i) => {
    const y = top + i * row;
    const w1 = (barW * b.value) / max, w2 = (barW * (b.second ?? 0)) / max;
    svg.append(el("text", { x: labelW - 8, y: y + 16, "text-anchor": "end", "font-size": 12 }, b.label));
    svg.append(el("rect", { x: labelW, y: y + 4, width: w1, height: 16, fill: c1 }));
    if (b.second !== undefined) svg.append(el("rect", { x: labelW + w1, y: y + 4, width: w2, height: 16, fill: c2 }));
    const text = b.second !== undefined ? `${b.value} / ${b.second}` : String(b.value);
    svg.append(el("text", { x: labelW + w1 + w2 + 6, y: y + 16, "font-size": 12 }, text));
  });
  if (!bars.length) svg.append(el("text", { x: labelW, y: top + 16, "font-size": 12 }, "Nothing to show yet"));
  return svg;
}

/** One figure per bar in each row of a chartFigure, and one column of its table. `color` is a
 * colour name (a partner's, or "neutral"); `light` bars are drawn paler, so two figures of a
 * partner can sit side by side (what they typed and what of it is still there; what they brought
 * and what they learned). */
export interface Column {
  head: string;
  color: string;
  light?: boolean;
  unit?: string;
}

/** A bar chart (one scale per chart, hidden from assistive technology) and the same numbers as a
 * table, in one figure; `empty` is said instead when there are no rows. */
export function chartFigure(caption: string, rowHead: string, cols: Column[], rows: { label: string; values: number[] }[], empty: string): HTMLElement {
  if (!rows.length) return h("figure", { class: "cp-figure" }, h("figcaption", {}, caption), h("p", { class: "cp-empty" }, empty));
  const max = Math.max(1, ...rows.flatMap((row) => row.values));
  const chartEl = h("div", { class: "cp-chart", "aria-hidden": "true" });
  for (const row of rows) {
    const bars = h("div", { class: "cp-chart-bars" });
    row.values.forEach((v, i) =>
      bars.append(
        h("div", { class: "cp-bar-line" },
          h("span", { class: `cp-bar cp-bg-${cols[i].color}${cols[i].light ? " cp-bar-light" : ""}`, style: `width: ${(75 * v) / max}%` }),
          h("span", { class: "cp-bar-value" }, cols[i].unit ? `${v} ${cols[i].unit}` : String(v))),
      ),
    );
    chartEl.append(h("div", { class: "cp-chart-row" }, h("span", { class: "cp-chart-label" }, row.label), bars));
  }
  const table = h("table", { class: "cp-table" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, rowHead), ...cols.map((c) => h("th", { scope: "col" }, c.head)))),
    h("tbody", {}, ...rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row.label), ...row.values.map((v) => h("td", {}, String(v)))))));
  return h("figure", { class: "cp-figure" }, h("figcaption", {}, caption), chartEl, table);
}
