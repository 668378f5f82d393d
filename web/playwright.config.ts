import { defineConfig } from "@playwright/test";
import { e2ePort } from "./e2e/env";

// Browser tests against the real stack: globalSetup starts uvicorn + a Celery worker (with beat)
// on the local stack (PostgreSQL, Redis, OpenSearch) and creates a workspace through the admin API.
// Debian's chromium drives them; Playwright's own browser download is not used.
export default defineConfig({
  testDir: "./e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  globalSetup: "./e2e/global-setup.ts",
  globalTeardown: "./e2e/global-teardown.ts",
  outputDir: "test-results",
  use: {
    baseURL: `http://127.0.0.1:${e2ePort()}`,
    headless: true,
    viewport: { width: 1400, height: 900 },
    locale: "en-US",
    timezoneId: "UTC",
    acceptDownloads: true,
    trace: "off",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    },
  },
});
