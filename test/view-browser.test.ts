import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSoc } from '@rpmsg/soc';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `rpmsg view` in a real browser: Debian's Chromium driven by playwright-core (a browser download at
// install time cannot work on these machines). Where Chromium is missing these tests skip, saying so.
const root = join(import.meta.dirname, '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
/** Screenshots of the runs, kept for a look after CI (not committed). */
const artifacts = join(root, 'test', 'artifacts');

if (!hasChromium) {
  console.warn(
    `view-browser: skipped — no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

describe.skipIf(!hasChromium)('rpmsg view in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: chromiumPath,
      // As the machines' probe starts it: no sandbox as root, and no background connections, which
      // this closed network refuses.
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
    });
    mkdirSync(artifacts, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** A page that records every console error and page error. */
  async function open(url: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    return { page, errors };
  }

  it('rpmsg view --demo: the rings, moving counters, a descriptor click, no console errors', async () => {
    const child = spawn(process.execPath, [bin, 'view', '--demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /https?:\/\/\S+/.exec(out);
          if (m) resolve(m[0]);
        });
        child.once('exit', (code) => reject(new Error(`rpmsg view exited with ${code}`)));
      });
      const { page, errors } = await open(url);
      // Both vrings, drawn with the layout's descriptor count (the demo: 256 buffers a direction).
      await page.waitForSelector('#rings g.desc[data-vring="vq1"]');
      expect(await page.locator('#rings g.desc[data-vring="vq0"]').count()).toBe(256);
      expect(await page.locator('#rings g.desc[data-vring="vq1"]').count()).toBe(256);
      // The demo echoes: a channel's sent counter moves between two looks.
      await page.waitForSelector('#channels tr.channel .sent');
      const sent = async () =>
        Math.max(
          ...(await page.locator('#channels tr.channel .sent').allTextContents()).map(
            (t) => Number(t.replace(/\D/g, '')) || 0,
          ),
        );
      const first = await sent();
      await expect.poll(sent, { timeout: 10_000 }).toBeGreaterThan(first);
      // Clicking a descriptor shows its buffer: address, length, RPMsg header.
      await page.locator('#rings g.desc[data-vring="vq0"][data-desc="1"]').click();
      await page.waitForSelector('#detail:not([hidden])');
      expect(await page.textContent('#detail-addr')).toMatch(/^0x[0-9a-f]+/i);
      expect(await page.textContent('#detail-src')).toMatch(/\d/);
      expect(await page.textContent('#detail-dst')).toMatch(/\d/);
      // Pause freezes the frame number; Step takes exactly one more.
      await page.click('#pause');
      const paused = await page.textContent('#seq');
      await page.waitForTimeout(600);
      expect(await page.textContent('#seq')).toBe(paused);
      await page.click('#step');
      await expect.poll(async () => page.textContent('#seq'), { timeout: 5000 }).not.toBe(paused);
      await page.screenshot({ path: join(artifacts, 'view-demo.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 90_000);

  it('shows a crash of the remote as it happens', async () => {
    const soc = await createSoc({
      remote: new URL('../packages/soc/src/fixtures/echo-firmware.mjs', import.meta.url),
      remoteData: { crashAfter: 20 },
      waitForChannels: ['rpmsg-echo'],
    });
    const view = await soc.view();
    try {
      const { page, errors } = await open(view.url);
      await page.waitForSelector('#events li.event[data-event="boot"]');
      const ept = await soc.master.openChannel('rpmsg-echo');
      const crashed = new Promise((resolve) => soc.once('crash', resolve));
      for (let i = 0; i < 20; i++) await ept.send(new Uint8Array([i])).catch(() => {});
      await crashed;
      await page.waitForSelector('#events li.event[data-event="crash"]', { timeout: 10_000 });
      expect(await page.getAttribute('#state', 'class')).toContain('crashed');
      await page.screenshot({ path: join(artifacts, 'view-crash.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await soc.stop(); // closes the view too
    }
  }, 60_000);
});
