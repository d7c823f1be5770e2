/**
 * How the end-to-end tests and the browser benchmarks launch Chromium: Debian's /usr/bin/chromium
 * (`npx playwright install` cannot download browsers here), headless, with nothing reaching out to
 * the network on its own.
 */
export const chromiumLaunchOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
