// Dictionaries keyed by names from the analysed code, a config file or a cache: without a prototype, a key such as
// `constructor`, `toString` or `__proto__` is just a key (on `{}` it would find, or set, Object.prototype's members).

export type Dict<T> = Record<string, T>;

/** An empty dictionary with no prototype. */
export function dict<T>(): Dict<T> {
  return Object.create(null) as Dict<T>;
}

/** A dictionary with no prototype holding `entries` (a `__proto__` key is an ordinary entry). */
export function dictFrom<T>(entries: Iterable<readonly [string, T]>): Dict<T> {
  const out = dict<T>();
  for (const [key, value] of entries) out[key] = value;
  return out;
}

/** The value `record` holds itself under `key`, never one inherited from its prototype (for records from JSON or a caller). */
export function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** A fixed table (an object literal in our code) as a dictionary with no prototype, for lookups by names from the code. */
export function dictOf<T>(table: Readonly<Record<string, T>>): Dict<T> {
  return Object.assign(dict<T>(), table);
}
