// Turns the JSON lines of bench/suite.sh into the Markdown tables of docs/benchmarks.md.
//   node bench/report.mjs bench/results/<date>.jsonl
import { readFileSync } from "node:fs";

const runs = readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const f = (x, d = 1) => (x === undefined || x === null ? "–" : Number(x).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
const n = (x) => (x === undefined || x === null ? "–" : Math.round(x).toLocaleString("en-US"));
const out = [];
const table = (head, rows) => {
  out.push(`| ${head.join(" | ")} |`, `|${head.map((h, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const r of rows) out.push(`| ${r.join(" | ")} |`);
  out.push("");
};
const ratio = (a, b) => (a && b ? `${f(a / b, 1)}×` : "–");

// Trace replay (Node generator, each system's own client).
const replay = runs.filter((r) => r.workload === "replay");
if (replay.length) {
  out.push("### Trace replay (Node generator)", "");
  table(["system", "edits", "seconds", "edits/s", "final text", "server CPU s", "server peak RSS MiB"],
    replay.map((r) => [r.target, n(r.edits), f(r.seconds, 2), n(r.editsPerSecond), r.matches ? "matches endContent" : "MISMATCH",
      f(r.server?.cpuSeconds, 2), f(r.server?.peakRssMib)]));
}

// Fleet.
const fleetCpp = runs.filter((r) => r.workload === "fleet" && r.generator === "c++" && r.viewers_per_unit > 0);
if (fleetCpp.length) {
  out.push("### Classroom fleet (C++ generator)", "");
  table(["system", "units", "connections", "edits", "not delivered to all", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "server CPU s", "server peak RSS MiB"],
    fleetCpp.map((r) => [r.target, n(r.units), n(r.connections), n(r.edits), n(r.edits_not_delivered_to_all), f(r.latency_ms.p50, 2),
      f(r.latency_ms.p99, 2), f(r.latency_ms.p999, 2), f(r.latency_ms.max, 2), f(r.server?.cpu_seconds, 2), f(r.server?.peak_rss_mib)]));
  const best = {};
  for (const r of fleetCpp) if (r.latency_ms.p99 < 25 && r.edits_not_delivered_to_all === 0) best[r.target] = Math.max(best[r.target] ?? 0, r.units);
  const peer = best.sharedb ?? 0;
  out.push(`Largest N with p99 under 25 ms: Coplan ${n(best.coplan ?? 0)}, ShareDB ${n(peer)}, echo floor ${n(best.echo ?? 0)} ` +
    `(Coplan/ShareDB ${ratio(best.coplan, peer)}).`, "");
}
const fleetNode = runs.filter((r) => r.workload === "fleet" && r.generator === "node");
if (fleetNode.length) {
  out.push("### Classroom fleet (Node generator)", "");
  table(["system", "units", "connections", "edits", "lost", "p50 ms", "p99 ms", "max ms", "server CPU s", "server peak RSS MiB"],
    fleetNode.map((r) => [r.target, n(r.units), n(r.connections), n(r.edits), n(r.lost), f(r.p50, 2), f(r.p99, 2), f(r.max, 2),
      f(r.server?.cpuSeconds, 2), f(r.server?.peakRssMib)]));
}

// Contention.
const cont = runs.filter((r) => r.workload === "contention");
if (cont.length) {
  out.push("### Contention: 10 editors in one field", "");
  const rate = (r) => r.acked_per_second ?? r.acceptedPerSecond;
  const p99 = (r) => r.latency_ms?.p99 ?? r.p99;
  table(["generator", "system", "edits", "accepted edits/s", "p50 ms", "p99 ms", "server CPU s"],
    cont.map((r) => [r.generator, r.target, n(r.edits), n(rate(r)), f(r.latency_ms?.p50 ?? r.p50, 2), f(p99(r), 2),
      f(r.server?.cpu_seconds ?? r.server?.cpuSeconds, 2)]));
  for (const g of ["c++", "node"]) {
    const by = Object.fromEntries(cont.filter((r) => r.generator === g).map((r) => [r.target, rate(r)]));
    const peer = Math.max(by.sharedb ?? 0, by.hocuspocus ?? 0);
    if (by.coplan && peer) out.push(`${g} generator: Coplan / better peer = ${ratio(by.coplan, peer)} accepted edits/s.`, "");
  }
}

// Idle.
const idle = runs.filter((r) => r.workload === "idle");
if (idle.length) {
  out.push("### Idle capacity", "");
  table(["generator", "system", "units", "connections", "connects/s", "KiB per connection (units already open)", "KiB per connection, all in", "KiB per open unit", "server peak RSS MiB"],
    idle.map((r) => [r.generator, r.target, n(r.units), n(r.connections), n(r.connects_per_second ?? r.connectsPerSecond),
      f(r.server?.kib_per_connection), f(r.server?.kib_per_connection_all_in ?? r.kibPerConnectionAllIn), f(r.server?.kib_per_unit_with_one_client),
      f(r.server?.peak_rss_mib ?? r.server?.peakRssMib)]));
}

// Durable throughput, with the echo floor on the same schedule.
const durable = runs.filter((r) => r.workload === "fleet" && r.generator === "c++" && r.viewers_per_unit === 0 && r.units >= 100);
if (durable.length) {
  out.push("### Durable throughput (synchronous=FULL, group commit; the echo floor stores nothing)", "");
  const offered = (r) => r.units * r.rate_per_editor;
  const floor = (r) => durable.find((e) => e.target === "echo" && offered(e) === offered(r));
  table(["system", "units", "offered edits/s", "acknowledged edits/s", "ack p50 ms", "ack p99 ms", "ack max ms", "p99 above the floor ms",
    "bytes written per edit", "server CPU s"],
    durable.map((r) => [r.target, n(r.units), n(offered(r)), n(r.acked_per_second), f(r.ack_ms.p50, 2), f(r.ack_ms.p99, 2), f(r.ack_ms.max, 2),
      r.target === "echo" || !floor(r) ? "–"
        : floor(r).acked_per_second < 0.999 * offered(r) ? "– (the floor is saturated)" : f(r.ack_ms.p99 - floor(r).ack_ms.p99, 2),
      r.target === "echo" ? "–" : n(r.server?.bytes_written_per_edit), f(r.server?.cpu_seconds, 2)]));
}
console.log(out.join("\n"));
