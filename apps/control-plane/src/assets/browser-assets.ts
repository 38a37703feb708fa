/**
 * The browser assets /assets/* serves (sources in apps/control-plane/browser/, typechecked with
 * the DOM library and linted like the rest). A built app reads the files `npm run build` bundled
 * next to it (dist/app/assets/); run from the sources (`npm start`, tests) it bundles them with
 * esbuild on the first request (about 50 ms) and keeps them in memory, so no build is needed
 * first and an edit shows after a restart.
 */
import { readFile } from 'node:fs/promises';

export type AssetName = 'signup.js' | 'status.js' | 'app.css';
type Assets = Record<AssetName, string>;

const NAMES: readonly AssetName[] = ['signup.js', 'status.js', 'app.css'];

async function bundledNextToApp(): Promise<Assets | undefined> {
  // In the bundle, import.meta.url is dist/app/main.js; from the sources this folder has no assets/.
  const dir = new URL('./assets/', import.meta.url);
  try {
    const texts = await Promise.all(NAMES.map((n) => readFile(new URL(n, dir), 'utf8')));
    return Object.fromEntries(NAMES.map((n, i) => [n, texts[i]!])) as Assets;
  } catch {
    return undefined;
  }
}

async function bundleFromSources(): Promise<Assets> {
  // A computed specifier: the app's own bundle must not pull esbuild (a build-time tool) in.
  const script = new URL('../../scripts/browser-assets.mjs', import.meta.url).href;
  const { bundleBrowserAssets } = (await import(script)) as { bundleBrowserAssets: () => Promise<Assets> };
  return bundleBrowserAssets();
}

let loading: Promise<Assets> | undefined;

/** The assets, loaded once per process; a failed bundle is retried on the next request. */
export function browserAssets(): Promise<Assets> {
  loading ??= bundledNextToApp()
    .then((built) => built ?? bundleFromSources())
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}
