/**
 * A binary min-heap keyed by a number: the scheduler's queue of due times,
 * O(log n) per job. Keys and values live in two parallel arrays, so a push
 * allocates nothing (at 20,000 runs a second a node object per push is garbage
 * the collector has to chase).
 */
export class MinHeap<T> {
  private keys: number[] = [];
  private values: T[] = [];

  get size(): number {
    return this.keys.length;
  }

  peekKey(): number | undefined {
    return this.keys[0];
  }

  push(key: number, value: T): void {
    const k = this.keys;
    const v = this.values;
    let i = k.length;
    k.push(key);
    v.push(value);
    // Sift up by moving parents down, then drop the new item in its place.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p]! <= key) break;
      k[i] = k[p]!;
      v[i] = v[p]!;
      i = p;
    }
    k[i] = key;
    v[i] = value;
  }

  /** The value with the smallest key (its key was peekKey()), or undefined when empty. */
  popValue(): T | undefined {
    const k = this.keys;
    const v = this.values;
    const n = k.length;
    if (n === 0) return undefined;
    const top = v[0];
    const lastKey = k.pop()!;
    const lastValue = v.pop()!;
    if (n > 1) {
      const len = n - 1;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= len) break;
        const r = l + 1;
        const m = r < len && k[r]! < k[l]! ? r : l;
        if (k[m]! >= lastKey) break;
        k[i] = k[m]!;
        v[i] = v[m]!;
        i = m;
      }
      k[i] = lastKey;
      v[i] = lastValue;
    }
    return top;
  }

  pop(): { key: number; value: T } | undefined {
    const key = this.keys[0];
    if (key === undefined) return undefined;
    return { key, value: this.popValue()! };
  }
}
