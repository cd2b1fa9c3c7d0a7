import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A directory tree as @yowasp/clang's virtual file system takes it. */
type Tree = { [name: string]: Tree | string | Uint8Array };

interface YowaspClang {
  runLLVM(args: string[] | null, files?: Tree, options?: object): unknown;
  runClang(args: string[], files?: Tree, options?: object): Promise<Tree> | Tree | undefined;
}

let loaded: Promise<YowaspClang> | undefined;

/**
 * Loads Clang/LLD (WebAssembly, ~100 MB, compiled once per process) and its resources, with the
 * download-progress lines it would print silenced.
 */
function toolchain(): Promise<YowaspClang> {
  loaded ??= (async () => {
    const yowasp = (await import('@yowasp/clang')) as unknown as YowaspClang;
    await yowasp.runLLVM(null, {}, { fetchProgress: () => {} });
    return yowasp;
  })();
  return loaded;
}

/** The toolchain's version (part of the cache key: a new clang builds anew). */
export function toolchainVersion(): string {
  // The package exports no package.json: read it beside its entry point (gen/bundle.js).
  const entry = createRequire(import.meta.url).resolve('@yowasp/clang');
  const manifest = readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/** What one clang run left. */
export interface ClangRun {
  status: number;
  stderr: string;
  output: Uint8Array | undefined;
}

/**
 * Runs the clang driver over `files` (absolute paths, put at the same paths in the toolchain's
 * virtual file system, so diagnostics name the real files) and returns the file at `outputPath`.
 */
export async function runClang(
  args: string[],
  files: Map<string, Uint8Array>,
  outputPath: string,
): Promise<ClangRun> {
  const yowasp = await toolchain();
  const tree: Tree = { out: {} };
  for (const [path, bytes] of files) place(tree, path, bytes);
  const chunks: Uint8Array[] = [];
  const sink = (bytes: Uint8Array | null) => {
    if (bytes) chunks.push(new Uint8Array(bytes));
  };
  let status = 0;
  let result: Tree | undefined;
  try {
    result = (await yowasp.runClang(['clang', ...args], tree, { stdout: sink, stderr: sink })) as
      | Tree
      | undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'number') throw error;
    status = code;
  }
  const stderr = Buffer.concat(chunks).toString('utf8');
  return { status, stderr, output: result ? find(result, outputPath) : undefined };
}

function place(tree: Tree, path: string, bytes: Uint8Array): void {
  const parts = path.split('/').filter(Boolean);
  let dir = tree;
  for (const part of parts.slice(0, -1)) {
    const next = dir[part];
    if (next === undefined || typeof next === 'string' || next instanceof Uint8Array) dir[part] = {};
    dir = dir[part] as Tree;
  }
  dir[parts[parts.length - 1] as string] = bytes;
}

function find(tree: Tree, path: string): Uint8Array | undefined {
  let node: Tree | string | Uint8Array | undefined = tree;
  for (const part of path.split('/').filter(Boolean)) {
    if (node === undefined || typeof node === 'string' || node instanceof Uint8Array) return undefined;
    node = node[part];
  }
  return node instanceof Uint8Array ? node : undefined;
}
