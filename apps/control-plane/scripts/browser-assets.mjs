// The control plane's browser assets: apps/control-plane/browser/*.ts and *.css, bundled by
// esbuild into what /assets/* serves. One definition for both paths:
// - `npm run build` (scripts/build.mjs) writes them next to the server bundle (dist/app/assets/);
// - `npm start` and the tests run the sources (tsx), where src/assets/browser-assets.ts calls
//   this on the first asset request and keeps the result in memory.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export const BROWSER_ASSETS = {
  'signup.js': 'signup.ts',
  'status.js': 'status.ts',
  'app.css': 'app.css',
};

const browserDir = fileURLToPath(new URL('../browser/', import.meta.url));

/** Bundles every asset; resolves to { 'signup.js': text, … }. Fails on a syntax error. */
export async function bundleBrowserAssets() {
  const out = {};
  await Promise.all(
    Object.entries(BROWSER_ASSETS).map(async ([name, source]) => {
      const result = await build({
        absWorkingDir: browserDir,
        entryPoints: [source],
        bundle: true,
        write: false,
        minify: true,
        format: name.endsWith('.js') ? 'iife' : undefined,
        target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
        outfile: name,
        logLevel: 'silent',
      });
      out[name] = result.outputFiles[0].text;
    }),
  );
  return out;
}
