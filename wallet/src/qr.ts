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

/**
 * The version (size) found for a text's length at a level, so that a tap does not search for it
 * again: the library writes the whole text once per version it tries. The wallet's texts are ASCII
 * (JWS, '~'), one byte a character, so the same length needs the same version.
 */
const versions = new Map<string, number>();
/** Lengths remembered: a certificate's codes differ in length only by their counter's and time's digits. */
const VERSIONS_KEPT = 32;

function make(text: string, level: 'M' | 'L'): ReturnType<typeof qrcode> {
  const known = `${level}:${String(text.length)}`;
  const code = qrcode(versions.get(known) ?? 0, level);
  code.addData(text, 'Byte');
  code.make();
  if (versions.size >= VERSIONS_KEPT) versions.clear();
  versions.set(known, (code.getModuleCount() - 17) / 4);
  return code;
}

/** The symbol's dark modules for `text`: error correction M (15 %), L when M would not fit. */
export function encode(text: string): { size: number; isDark: (row: number, col: number) => boolean } {
  for (const level of ['M', 'L'] as const) {
    try {
      const code = make(text, level);
      return { size: code.getModuleCount(), isDark: (row, col) => code.isDark(row, col) };
    } catch (error) {
      if (level === 'L') throw error;
    }
  }
  throw new Error('unreachable');
}

/** One pixel per module, quiet zone included: drawn scaled up in one call, not module by module. */
let scratch: HTMLCanvasElement | undefined;

/**
 * Draws `text` on `canvas` to fill about `cssWidth` CSS pixels, each module a whole number of
 * device pixels (at least MIN_MODULE_PX), and returns the module count. The symbol is written as
 * pixels at one per module and scaled up by a whole factor without smoothing: sharp edges, and one
 * draw call instead of one per dark module. Reuse the canvas from code to code: its pixels are
 * allocated once.
 */
export function drawQr(canvas: HTMLCanvasElement, text: string, cssWidth: number, devicePixelRatio: number): number {
  const symbol = encode(text);
  const total = symbol.size + 2 * QUIET_ZONE;
  const modulePx = Math.max(MIN_MODULE_PX, Math.floor((cssWidth * devicePixelRatio) / total));
  const side = total * modulePx;
  scratch ??= document.createElement('canvas');
  scratch.width = total;
  scratch.height = total;
  const small = scratch.getContext('2d');
  const ctx = canvas.getContext('2d');
  if (small === null || ctx === null) throw new Error('this browser cannot draw on a canvas');
  const pixels = small.createImageData(total, total);
  // RGBA bytes: white everywhere, black where a module is dark.
  pixels.data.fill(255);
  for (let row = 0; row < symbol.size; row += 1) {
    for (let col = 0; col < symbol.size; col += 1) {
      if (!symbol.isDark(row, col)) continue;
      const at = ((row + QUIET_ZONE) * total + col + QUIET_ZONE) * 4;
      pixels.data.fill(0, at, at + 3);
    }
  }
  small.putImageData(pixels, 0, 0);
  // Resizing reallocates the pixels: only when the size changes (the drawing below covers them all).
  if (canvas.width !== side || canvas.height !== side) {
    canvas.width = side;
    canvas.height = side;
  }
  // CSSOM, not a style attribute: the page's CSP allows no inline styles.
  canvas.style.width = `${String(side / devicePixelRatio)}px`;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, side, side);
  return symbol.size;
}
