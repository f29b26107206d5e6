import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// The hub serves the built bundle and the API on one origin; in development the Vite server
// stands in for that origin and forwards API and WebSocket traffic to a hub on port 8000.
const HUB = process.env.EVERYST_HUB_URL ?? 'http://127.0.0.1:8000';

// Below one TCP segment compression saves no round trip.
const PRECOMPRESS_MIN_BYTES = 1400;

/**
 * Writes a .br and a .gz beside every built asset, at the strongest settings: it happens once
 * per build, and the hub (WhiteNoise) then serves whichever the browser accepts with no work
 * per request. Node's zlib does both, so no plugin from npm is needed.
 */
function precompress(): Plugin {
  return {
    name: 'everyst-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist';
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css|svg|json|txt)$/.test(fileName)) continue;
        const path = join(dir, fileName);
        const raw = readFileSync(path);
        if (raw.length < PRECOMPRESS_MIN_BYTES) continue;
        writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }));
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(raw, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
              [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
            },
          }),
        );
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), tailwindcss(), precompress()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: HUB, changeOrigin: false },
      '/ws': { target: HUB, ws: true, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
