import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// bench/web: the same real stack as the browser tests, with a bigger seeded workspace
// (CONTACTS_E2E_SEED); figures are printed, never asserted.
export default defineConfig({ ...base, testDir: "./bench", testMatch: "**/*.bench.ts", timeout: 30 * 60_000, reporter: [["list"]] });
