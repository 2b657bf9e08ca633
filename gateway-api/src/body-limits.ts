/**
 * The most bytes a request body may have, per kind of route (http/route-kit.ts picks one for each
 * route); here, below both the routes and the error catalogue, so that the catalogue's text about
 * them is made from the same numbers the body reader enforces.
 */

/** Body limits: megabytes only where a batch is uploaded, kilobytes for staff requests. */
export const BODY_LIMITS = {
  batch: 3 * 1024 * 1024, // a 2 MiB batch payload, base64url-encoded, in a JSON envelope
  import: 256 * 1024, // up to 500 accounts or top-ups
  staff: 16 * 1024,
} as const;

/** A limit as people read it: `3 MiB`, `16 KiB`. */
export function bytesText(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${String(bytes / (1024 * 1024))} MiB`;
  if (bytes % 1024 === 0) return `${String(bytes / 1024)} KiB`;
  return `${String(bytes)} bytes`;
}
