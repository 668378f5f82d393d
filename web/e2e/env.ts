import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

export const REPO = path.resolve(here, "..", "..");
export const STATE_DIR = path.resolve(here, "..", ".e2e-state");
export const STATE_FILE = path.join(STATE_DIR, "state.json");

/** The API port for the browser tests: CONTACTS_E2E_PORT, else derived from the stack's PostgreSQL port. */
export function e2ePort(): number {
  if (process.env.CONTACTS_E2E_PORT) return Number(process.env.CONTACTS_E2E_PORT);
  const pg = Number(process.env.CONTACTS_PG_PORT ?? 55432);
  return 57000 + (pg % 1000);
}

export interface E2EState {
  baseURL: string;
  workspaceId: string;
  owner: { id: string; token: string };
  manager: { id: string; token: string };
  restricted: { id: string; token: string };
  agent: { id: string; token: string };
  channelId: string;
  pids: number[];
}
