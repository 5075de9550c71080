import * as fs from 'node:fs';

export async function loadConfig(path: string): Promise<string> {
  const text = fs.readFileSync(path, 'utf8');
  return text.trim();
}
