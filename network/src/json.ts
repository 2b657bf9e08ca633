/** A parsed JSON object, its fields still unknown. */
export type JsonRecord = Record<string, unknown>;

/** True for a plain (non-array, non-null) object, as JSON.parse gives them. */
export const isRecord = (v: unknown): v is JsonRecord => typeof v === 'object' && v !== null && !Array.isArray(v);
