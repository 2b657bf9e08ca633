/**
 * Types for qrcode-generator's ES module build (dist/qrcode.mjs, MIT, by Kazuhiko Arase), which the
 * build copies beside this file's compiled neighbours (public/js/vendor/qrcode.mjs). Only what the
 * wallet uses.
 */

/** One QR symbol being built. */
export interface QrCode {
  addData(data: string, mode?: 'Numeric' | 'Alphanumeric' | 'Byte' | 'Kanji'): void;
  make(): void;
  getModuleCount(): number;
  isDark(row: number, col: number): boolean;
}

/** Makes a symbol: type number 0 picks the smallest version that fits. */
declare function qrcode(typeNumber: number, errorCorrectionLevel: 'L' | 'M' | 'Q' | 'H'): QrCode;
export default qrcode;
