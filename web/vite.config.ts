import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The API process serves these files itself, so one small bundle beats many requests.
    assetsInlineLimit: 0,
    target: "es2022",
  },
  server: {
    // `npm run dev` talks to `make up` on the default port.
    proxy: {
      "/v1": "http://127.0.0.1:8000",
      "/health": "http://127.0.0.1:8000",
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
