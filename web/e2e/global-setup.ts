// Starts the real API and worker against the local stack and creates the test workspace.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type E2EState, REPO, STATE_DIR, STATE_FILE, e2ePort } from "./env";

const venv = (bin: string) => path.join(REPO, ".venv", "bin", bin);

/** The stack's Redis with a database of its own, so tasks other test runs left queued never delay ours. */
function e2eRedisUrl(): string {
  if (process.env.CONTACTS_E2E_REDIS_URL) return process.env.CONTACTS_E2E_REDIS_URL;
  const url = new URL(process.env.CONTACTS_REDIS_URL ?? "redis://127.0.0.1:56379/0");
  url.pathname = "/15";
  return url.toString();
}

function e2eEnv(port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CONTACTS_REDIS_URL: e2eRedisUrl(),
    CONTACTS_INDEX_ALIAS: process.env.CONTACTS_E2E_INDEX_ALIAS ?? "contacts_e2e",
    CONTACTS_API_PORT: String(port),
    CONTACTS_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    CONTACTS_WORKER_METRICS_PORT: "0",
    CONTACTS_OUTBOX_SWEEP_SECONDS: "0.5",
    // a change that cannot be indexed is parked after its 2nd failure (the Ops test retries one)
    CONTACTS_OUTBOX_MAX_ATTEMPTS: "2",
  };
}

async function waitReady(url: string, ms: number) {
  const until = Date.now() + ms;
  let last = "";
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `${r.status} ${await r.text()}`;
    } catch (e) {
      last = String(e);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`API not ready at ${url}: ${last}`);
}

async function call<T>(base: string, method: string, p: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const r = await fetch(base + p, { method, headers: { "Content-Type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

export default async function globalSetup() {
  const port = e2ePort();
  const base = `http://127.0.0.1:${port}`;
  const env = e2eEnv(port);
  fs.mkdirSync(STATE_DIR, { recursive: true });
  const logDir = path.join(REPO, "var", "log");
  fs.mkdirSync(logDir, { recursive: true });
  execFileSync(venv("contacts-admin"), ["migrate"], { cwd: REPO, env, stdio: "inherit" });
  // tasks a previous run left in our broker database are for workspaces gone by now
  execFileSync(venv("celery"), ["-A", "indexer_worker.celery_app", "purge", "-f"], { cwd: REPO, env, stdio: "ignore" });

  const start = (name: string, cmd: string, args: string[]) => {
    const out = fs.openSync(path.join(logDir, `e2e-${name}.log`), "w");
    const child = spawn(cmd, args, { cwd: REPO, env, detached: true, stdio: ["ignore", out, out] });
    child.unref();
    return child.pid as number;
  };
  const pids = [
    start("api", venv("uvicorn"), ["--factory", "api_service.main:create_app", "--host", "127.0.0.1", "--port", String(port)]),
    start("worker", venv("celery"), [
      "-A", "indexer_worker.celery_app", "worker", "--beat", "--loglevel=INFO", "--concurrency=1",
      "--schedule", path.join(REPO, "var", "e2e-celerybeat-schedule"),
    ]),
  ];
  fs.writeFileSync(STATE_FILE, JSON.stringify({ pids }));
  try {
    await prepare(base, env, pids);
  } catch (e) {
    for (const pid of pids) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    throw e;
  }
}

async function prepare(base: string, env: NodeJS.ProcessEnv, pids: number[]) {
  await waitReady(`${base}/readyz`, 90_000);

  const adminKey = execFileSync(venv("python"), ["-c", "from shared.settings import get_settings; print(get_settings().admin_key)"], { cwd: REPO, env })
    .toString()
    .trim();
  const stamp = Date.now().toString(36);
  const ws = await call<{ workspace: { id: string }; user: { id: string }; token: string }>(base, "POST", "/v1/workspaces",
    { name: `E2E ${stamp}`, owner: { email: `owner-${stamp}@example.com`, name: "Olive Owner" } }, { "X-Admin-Key": adminKey });
  const auth = { Authorization: `Bearer ${ws.token}` };
  const user = async (name: string, role: string, restrictions: string[] = []) => {
    const r = await call<{ user: { id: string }; token: string }>(base, "POST", "/v1/users",
      { email: `${name.toLowerCase().replace(/\W+/g, ".")}-${stamp}@example.com`, name, role, restrictions }, auth);
    return { id: r.user.id, token: r.token };
  };
  const manager = await user("Mona Manager", "manager");
  const restricted = await user("Rita Restricted", "manager", ["export_contacts", "bulk_delete_contacts"]);
  const agent = await user("Aaron Agent", "agent");
  const channel = await call<{ id: string }>(base, "POST", "/v1/channels", { name: "Acme WhatsApp", type: "whatsapp" }, auth);
  await call(base, "POST", "/v1/contact-fields", { key: "plan", label: "Plan", type: "select", options: ["free", "pro", "enterprise"] }, auth);
  await call(base, "POST", "/v1/contact-fields", { key: "seats", label: "Seats", type: "number" }, auth);
  // enough realistic contacts to scroll through several cursor pages
  execFileSync(venv("contacts-admin"), ["seed", "--workspace-id", ws.workspace.id, "--count", process.env.CONTACTS_E2E_SEED ?? "400", "--random-seed", "7"], { cwd: REPO, env, stdio: "ignore" });

  const state: E2EState = {
    baseURL: base, workspaceId: ws.workspace.id, owner: { id: ws.user.id, token: ws.token }, manager, restricted, agent,
    channelId: channel.id, pids,
  };
  fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}
