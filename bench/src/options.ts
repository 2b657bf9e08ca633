/** Command-line options of the benchmark scripts: `--name value`. */
const argv = process.argv.slice(2);

/** The arguments as given (printed with each figure, so that it can be made again). */
export const givenArguments = (): readonly string[] => argv;

/** `--name <text>`, or the fallback when absent. */
export function textOption(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] ?? fallback : fallback;
}

/** `--name <n>`: a whole number ≥ `min` (0 turns a phase off where the script says so). */
export function wholeOption(name: string, fallback: number, min = 1): number {
  const v = Number(textOption(name, String(fallback)));
  if (!Number.isSafeInteger(v) || v < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
  return v;
}
