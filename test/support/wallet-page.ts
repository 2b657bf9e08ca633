import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';

/** Landmarks, one h1, labelled inputs, named buttons, captioned tables, a language, no sideways scroll: what every wallet page must have. */
export async function walletPageProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    if (document.documentElement.lang === '') problems.push('html has no lang');
    if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one main landmark');
    if (document.querySelectorAll('h1').length !== 1) problems.push(`${String(document.querySelectorAll('h1').length)} h1 headings`);
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.id === '' || document.querySelector(`label[for="${el.id}"]`) === null) problems.push(`unlabelled ${el.tagName.toLowerCase()} ${el.id}`);
    }
    for (const b of document.querySelectorAll('button')) if (b.textContent.trim() === '' && b.getAttribute('aria-label') === null) problems.push('button without a name');
    for (const t of document.querySelectorAll('table')) if (t.querySelector('caption') === null) problems.push('table without a caption');
    for (const c of document.querySelectorAll('canvas, img')) if ((c.getAttribute('aria-label') ?? c.getAttribute('alt') ?? '') === '') problems.push(`${c.tagName.toLowerCase()} without a name`);
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    if (new Set(ids).size !== ids.length) problems.push('duplicate ids');
    // The layout viewport (clientWidth): a phone zooms out over anything wider, so innerWidth would grow with it.
    const { scrollWidth, clientWidth } = document.documentElement;
    if (scrollWidth > clientWidth) problems.push(`wider than the screen: ${String(scrollWidth)} px in ${String(clientWidth)} px`);
    return problems;
  });
}

/** Reads the QR code in a PNG screenshot (jsQR, as a stall's scanner would from the screen), or undefined. */
export function decodeQr(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}
