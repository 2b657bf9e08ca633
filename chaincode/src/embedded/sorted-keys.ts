/** Most keys one chunk holds before it splits in two: an insertion moves at most this many. */
const CHUNK = 1024;

/** The first index below `length` at which `below` is false (it is true up to some index, then false). */
function firstNotBelow(length: number, below: (i: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in sorted `list` whose item is not below `key`. */
const lowerBound = (list: readonly string[], key: string): number => firstNotBelow(list.length, (i) => (list[i] ?? '') < key);

/**
 * A set of keys kept in order, as chunks of at most CHUNK sorted keys: adding or removing a key
 * costs a search and a move within one chunk, not within every key (a single sorted array made
 * each new key cost a move of the whole state: the burst writes hundreds of thousands).
 */
export class SortedKeys {
  private readonly chunks: string[][] = [];

  /** The chunk that holds `key`, or would: the first whose last key is not below it (the last chunk when none is). */
  private chunkFor(key: string): number {
    const last = firstNotBelow(this.chunks.length, (i) => {
      const chunk = this.chunks[i] ?? [];
      return (chunk[chunk.length - 1] ?? '') < key;
    });
    return Math.min(last, this.chunks.length - 1);
  }

  /** Adds `key` (a key present already is left as it is). */
  add(key: string): void {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      return;
    }
    const c = this.chunkFor(key);
    const chunk = this.chunks[c] ?? [];
    const i = lowerBound(chunk, key);
    if (chunk[i] === key) return;
    chunk.splice(i, 0, key);
    if (chunk.length > CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(chunk.length >>> 1));
  }

  /** Removes `key` when present. */
  delete(key: string): void {
    if (this.chunks.length === 0) return;
    const c = this.chunkFor(key);
    const chunk = this.chunks[c] ?? [];
    const i = lowerBound(chunk, key);
    if (chunk[i] !== key) return;
    chunk.splice(i, 1);
    if (chunk.length === 0) this.chunks.splice(c, 1);
  }

  /** The keys from `from` on, in order. */
  *from(from: string): IterableIterator<string> {
    if (this.chunks.length === 0) return;
    let c = this.chunkFor(from);
    let i = lowerBound(this.chunks[c] ?? [], from);
    for (; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c] ?? [];
      for (; i < chunk.length; i++) yield chunk[i] ?? '';
    }
  }
}
