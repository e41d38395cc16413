// Starts one real Coplan server (the release build) on a free port over a fresh data folder with
// the demo partnership, for every node and browser test; stops it afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

const root = resolve(import.meta.dirname, "../..");
let server: ChildProcess | null = null;
let dataDir = "";

export async function setup(project: TestProject) {
  const bin = resolve(root, process.env.COPLAN_BIN ?? "build/release/coplan");
  dataDir = mkdtempSync(join(tmpdir(), "coplan-web-"));
  server = spawn(
    bin,
    ["serve", "--port", "0", "--data-dir", dataDir, "--web-root", resolve(root, "web/dist"), "--templates", resolve(root, "templates"), "--demo"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise<string>((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`server did not start: ${out}`)), 30_000);
    server!.stdout!.on("data", (d) => {
      out += d;
      const m = out.match(/running at (http:\/\/[^\s]+?)\/?\s/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    server!.on("exit", (code) => fail(new Error(`server exited with ${code}: ${out}`)));
  });
  project.provide("baseUrl", url);
  project.provide("dataDir", dataDir);
}

export async function teardown() {
  server?.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dataDir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    dataDir: string;
  }
}
