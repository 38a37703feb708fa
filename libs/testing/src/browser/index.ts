/**
 * Debian Chromium driven by playwright-core, for end-to-end tests of server-rendered pages.
 * `CHROMIUM_PATH` overrides the executable; tests skip themselves when none is installed
 * (`describe.skipIf(!chromiumAvailable())`).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a headless, sandbox-less CI container with no network chatter of its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM_PATH);

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000, ...options });
}
