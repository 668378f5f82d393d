/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The API serves web/dist at / (same origin as /v1). `npm run dev` proxies /v1 to a local API.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/v1": process.env.CONTACTS_API_URL ?? "http://127.0.0.1:8000" },
  },
  build: {
    outDir: "dist",
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    testTimeout: 30_000,
  },
});
