// Library calls known to be CPU-heavy whatever their input: key derivation and password hashing are slow by design.
// They are CPU evidence for `cpu-bound-in-async` on their own, with no loop around them. Data only: the rules read it.
//
// Deliberately absent: parsers and serialisers (`json.loads`, `JSON.parse`, `pickle.loads`, `yaml.safe_load`): their cost
// follows the input's size, which the code rarely shows, so they are not evidence alone. Node's `crypto.*Sync` and
// `zlib.*Sync` are in the blocking catalogue (`blocking.ts`): `blocking-call-in-async` reports them, once.

export interface HeavyApi {
  /** Why it is heavy, for the message: "derives a key with many rounds of a hash, slow by design". */
  why: string;
}

const KEY_DERIVATION: HeavyApi = { why: 'derives a key with many rounds of a hash, slow by design (tens to hundreds of milliseconds)' };
const PASSWORD_HASH: HeavyApi = { why: 'hashes a password with a deliberately slow algorithm (tens to hundreds of milliseconds)' };

/** Python, by qualified name as the semantics layer spells it. */
const PYTHON: ReadonlyMap<string, HeavyApi> = new Map([
  ['hashlib.pbkdf2_hmac', KEY_DERIVATION],
  ['hashlib.scrypt', KEY_DERIVATION],
  ['bcrypt.hashpw', PASSWORD_HASH],
  ['bcrypt.checkpw', PASSWORD_HASH],
  ['bcrypt.kdf', KEY_DERIVATION],
  ['argon2.PasswordHasher.hash', PASSWORD_HASH],
  ['argon2.PasswordHasher.verify', PASSWORD_HASH],
  ['argon2.low_level.hash_secret', PASSWORD_HASH],
  ['argon2.low_level.hash_secret_raw', PASSWORD_HASH],
  ['passlib.hash.bcrypt.hash', PASSWORD_HASH],
  ['passlib.hash.pbkdf2_sha256.hash', PASSWORD_HASH],
  ['passlib.hash.argon2.hash', PASSWORD_HASH],
  ['passlib.context.CryptContext.hash', PASSWORD_HASH],
  ['passlib.context.CryptContext.verify', PASSWORD_HASH],
]);

/** TS/JS, by qualified name (`module.export`, by import origin). Only what the blocking catalogue does not list. */
const TS: ReadonlyMap<string, HeavyApi> = new Map([
  ['scrypt-js.syncScrypt', KEY_DERIVATION],
  ['pbkdf2.pbkdf2Sync', KEY_DERIVATION],
]);

const lastNames = (names: Iterable<string>) => new Set([...names].map((n) => n.slice(n.lastIndexOf('.') + 1)));
/** The names calls end in (`hashpw`, `hashSync`): a cheap test before resolving a callee. */
export const PYTHON_HEAVY_LAST_NAMES: ReadonlySet<string> = lastNames(PYTHON.keys());
export const TS_HEAVY_LAST_NAMES: ReadonlySet<string> = lastNames(TS.keys());

export function pythonHeavyCall(qualified: string | undefined): HeavyApi | undefined {
  return qualified === undefined ? undefined : PYTHON.get(qualified);
}

export function tsHeavyCall(qualified: string | undefined): HeavyApi | undefined {
  return qualified === undefined ? undefined : TS.get(qualified);
}
