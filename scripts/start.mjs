#!/usr/bin/env node
/**
 * `npm start`: build what is out of date and open the desktop app. The Electron binary is
 * downloaded here on first start (not by `npm ci`, so that installing works offline); where that
 * download cannot happen say so in one line and start web mode instead: `bpstudio serve`, which
 * prints the URL with its token.
 *
 *   npm start                 desktop app, or web mode when Electron is unavailable
 *   npm start -- --web        web mode even where Electron exists
 *   npm start -- --port 8080  other arguments go to Electron or to `bpstudio serve`
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildElectronIfStale, buildRenderer, root } from './build-steps.mjs';
import { decideLaunch, downloadElectronBinary, findElectronBinary } from './electron-binary.mjs';
import { nodeFlags } from './node-flags.mjs';

function run(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (e) => {
    console.error(`cannot start ${cmd}: ${e.message}`);
    process.exit(1);
  });
}

async function main() {
  const args = process.argv.slice(2);
  const forceWeb = args.includes('--web');
  const rest = args.filter((a) => a !== '--web');
  let electron = findElectronBinary();
  if (!forceWeb && !electron.ok && electron.reason === 'its binary was not downloaded') {
    // `npm ci` leaves the download to us (package.json's allowScripts blocks electron's install script).
    console.log('Downloading the Electron binary (once; `npm start -- --web` skips this)…');
    electron = downloadElectronBinary();
  }
  const decision = decideLaunch({ forceWeb, electron });

  if (decision.mode === 'web') console.log(decision.message);
  await buildRenderer();

  if (decision.mode === 'web') {
    const cli = join(root, 'bin', 'bpstudio.mjs');
    if (!existsSync(cli)) {
      console.error(`web mode needs ${cli}, which is missing`);
      process.exit(1);
    }
    run(process.execPath, [...nodeFlags(), cli, 'serve', ...rest]);
    return;
  }

  await buildElectronIfStale();
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make the binary behave as plain Node
  run(decision.binary, [root, ...rest], env);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
