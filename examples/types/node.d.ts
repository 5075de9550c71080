// The few Node.js APIs the examples use, so they type-check without installing @types/node
// (with @types/node installed, `npm i -D @types/node`, delete this file).
declare module 'fs' {
  export function readFileSync(path: string, encoding: 'utf8'): string;
  export function writeFileSync(path: string, data: string): void;
  export function mkdtempSync(prefix: string): string;
  export function rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  export const promises: { readFile(path: string, encoding: 'utf8'): Promise<string> };
}
declare module 'fs/promises' {
  export function readFile(path: string, encoding: 'utf8'): Promise<string>;
}
declare module 'os' {
  export function tmpdir(): string;
}
declare module 'path' {
  export function join(...parts: string[]): string;
}
declare const console: { log(...values: unknown[]): void; error(...values: unknown[]): void };
declare function setInterval(callback: () => void, ms: number): unknown;
declare function clearInterval(handle: unknown): void;
