import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which `npm test` installs (scripts/setup.js --tests). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches headless Chromium for a browser test. The background-networking
 * flags keep it from calling out of this machine's closed network.
 * @throws when Chromium is missing, saying how to install it
 */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests need Chromium. Install it with \`apt-get install chromium\` (npm test does so when run as root).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
