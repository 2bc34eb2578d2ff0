import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { invalidOption } from '@victor-ai/core';

/**
 * A function a worker can run: the URL of an ES module (or CommonJS file) and the name of its export.
 * The type parameters only carry the argument and result types to `WorkerPool.run`.
 */
export interface WorkerTask<Argument = unknown, Result = unknown> {
  readonly moduleUrl: string;
  readonly exportName: string;
  /** Type-only; never set. */
  readonly __types?: (argument: Argument) => Result;
}

const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Names a function for a worker pool: `module` is a `file:` URL (`new URL('./hash.js', import.meta.url)`)
 * or an absolute path, `exportName` the export to call (default `"default"`). Checked once, here: the
 * file must exist and the export name must be an identifier.
 */
export function defineWorkerTask<Argument, Result>(
  module: string | URL,
  exportName = 'default',
): WorkerTask<Argument, Result> {
  return Object.freeze({ moduleUrl: toModuleUrl(module, 'module'), exportName: checkExportName(exportName) });
}

/** Turns a `file:` URL, `URL` or absolute path into a file URL string, or throws `InvalidConfigError`. */
export function toModuleUrl(module: string | URL, option: string): string {
  let url: URL;
  if (module instanceof URL) url = module;
  else if (typeof module === 'string' && module.startsWith('file:')) {
    try {
      url = new URL(module);
    } catch {
      throw invalidOption(option, 'a file: URL or an absolute path', module);
    }
  } else if (typeof module === 'string' && isAbsolute(module)) url = pathToFileURL(module);
  else throw invalidOption(option, 'a file: URL or an absolute path', module);
  if (url.protocol !== 'file:') throw invalidOption(option, 'a file: URL or an absolute path', url.href);
  if (!existsSync(fileURLToPath(url))) throw invalidOption(option, 'the URL of an existing file', url.href);
  return url.href;
}

/** Checks an export name, or throws `InvalidConfigError`. */
export function checkExportName(exportName: unknown): string {
  if (typeof exportName !== 'string' || !EXPORT_NAME.test(exportName)) {
    throw invalidOption('exportName', 'an identifier', exportName);
  }
  return exportName;
}
