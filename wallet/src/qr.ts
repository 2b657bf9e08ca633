/**
 * The QR code on screen: qrcode-generator (the only library the wallet uses, the platform has no
 * QR encoder) draws onto a canvas at whole device pixels per module, with the 4-module quiet zone
 * ISO/IEC 18004 asks for, so that a scanner or a screenshot reads it.
 */
import qrcode from './vendor/qrcode.mjs';

/** Modules of white border on each side (ISO/IEC 18004 §7.3.8). */
export const QUIET_ZONE = 4;
/** Fewest device pixels per module: below this, a screenshot blurs the modules together. */
export const MIN_MODULE_PX = 4;

/** The symbol's dark modules for `text`: error correction M (15 %), L when M would not fit. */
export function encode(text: string): { size: number; isDark: (row: number, col: number) => boolean } {
  for (const level of ['M', 'L'] as const) {
    try {
      const code = qrcode(0, level);
      code.addData(text, 'Byte');
      code.make();
      return { size: code.getModuleCount(), isDark: (row, col) => code.isDark(row, col) };
    } catch (error) {
      if (level === 'L') throw error;
    }
  }
  throw new Error('unreachable');
}

/**
 * Draws `text` on `canvas` to fill about `cssWidth` CSS pixels, each module a whole number of
 * device pixels (at least MIN_MODULE_PX), and returns the module count.
 */
export function drawQr(canvas: HTMLCanvasElement, text: string, cssWidth: number, devicePixelRatio: number): number {
  const symbol = encode(text);
  const total = symbol.size + 2 * QUIET_ZONE;
  const modulePx = Math.max(MIN_MODULE_PX, Math.floor((cssWidth * devicePixelRatio) / total));
  const side = total * modulePx;
  canvas.width = side;
  canvas.height = side;
  // CSSOM, not a style attribute: the page's CSP allows no inline styles.
  canvas.style.width = `${String(side / devicePixelRatio)}px`;
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('this browser cannot draw on a canvas');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, side, side);
  ctx.fillStyle = '#000';
  for (let row = 0; row < symbol.size; row += 1) {
    for (let col = 0; col < symbol.size; col += 1) {
      if (symbol.isDark(row, col)) ctx.fillRect((col + QUIET_ZONE) * modulePx, (row + QUIET_ZONE) * modulePx, modulePx, modulePx);
    }
  }
  return symbol.size;
}
