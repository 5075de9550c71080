// How Node names its built-in modules: the catalogue and the name resolution spell each module one way.

/** Node's built-in modules answer to both 'fs' and 'node:fs'; 'fs/promises' is `fs.promises`. */
export function normalizeModule(specifier: string): string {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  if (bare === 'fs/promises') return 'fs.promises';
  if (bare === 'timers/promises') return 'timers.promises';
  if (bare === 'dns/promises') return 'dns.promises';
  if (bare === 'stream/promises') return 'stream.promises';
  return bare;
}
