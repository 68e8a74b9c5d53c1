/**
 * Which data files the engine may read when it is hosted for a renderer (the Electron utility
 * process, `bpstudio serve`). The CLI reads whatever its user names; a renderer is not its user:
 * a document, a web page or a compromised renderer could name `~/.ssh/id_rsa.csv`. So a hosted
 * engine is *restricted*: a dataset file (a CSV, an IDX pair) is read only when its real path is
 * on the allow-list the host fills — files the user picked in a dialog or dropped on the window,
 * and folders the user opened a document from or gave with `bpstudio serve --allow-data DIR` —
 * never because a request names it. Built-in datasets (and the Fashion-MNIST folders they look
 * in) and uploaded datasets (`upload:…`, whose bytes the user's browser sent) are always allowed.
 */
import { realpathSync } from 'node:fs';
import { sep } from 'node:path';
import { baseName, DataError } from './errors';

interface Policy {
  restricted: boolean;
  files: Set<string>;
  folders: Set<string>;
}

const policy: Policy = { restricted: false, files: new Set(), folders: new Set() };

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** Restrict dataset files to the allow-list (hosts call this once, before serving). */
export function restrictDatasetFiles(on = true): void {
  policy.restricted = on;
  if (!on) {
    policy.files.clear();
    policy.folders.clear();
  }
}

/** Allow these files (the user picked or dropped them). */
export function allowDatasetFiles(paths: readonly string[]): void {
  for (const p of paths) policy.files.add(real(p));
}

/** Allow every file under these folders (a document's folder, `serve --allow-data DIR`). */
export function allowDatasetFolders(dirs: readonly string[]): void {
  for (const d of dirs) policy.folders.add(real(d).replace(/[\\/]+$/, '') + sep);
}

/** Throws a DataError unless `path` may be read; `named` is how the document named it. */
export function checkDatasetAccess(path: string, named: string): void {
  if (!policy.restricted) return;
  const r = real(path);
  if (policy.files.has(r)) return;
  for (const f of policy.folders) if (r.startsWith(f)) return;
  throw new DataError(
    `dataset file "${baseName(named)}" was not opened by you in this session: the engine reads only files you pick (Import CSV…/Import IDX…, or dropped on the window) and files next to a document you opened; in web mode start bpstudio serve with --allow-data DIR`,
  );
}
