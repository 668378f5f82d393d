import fs from "node:fs";
import { STATE_FILE } from "./env";

/** Stops the API and worker that globalSetup started (their process groups, by pid). */
export default async function globalTeardown() {
  if (!fs.existsSync(STATE_FILE)) return;
  const { pids } = JSON.parse(fs.readFileSync(STATE_FILE, "utf8")) as { pids: number[] };
  for (const pid of pids ?? []) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  await new Promise((r) => setTimeout(r, 1500));
  for (const pid of pids ?? []) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* stopped */
    }
  }
}
