/**
 * The `bpstudio` command line (docs/cli.md): train, eval, predict, info, grad, export, import, serve.
 *
 * `runCli(argv, io)` runs one command with injectable output and returns the exit code; it
 * never throws and never prints a stack trace unless BPSTUDIO_DEBUG=1. `main()` is what
 * bin/bpstudio.mjs calls, wired to the real process.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { withDataLocations, type DataLocations } from '../data/user-data';
import { OPTIMIZER_TYPES } from '../graph/document';
import { BACKENDS, isBackendName, type BackendName } from './backend';
import { evalCommand } from './eval';
import { gradCommand } from './grad';
import { infoCommand } from './info';
import { CliError, EXIT, line, type CliIo } from './io';
import { predictCommand } from './predict';
import { serveCommand } from './serve';
import { exportCommand, importCommand } from './onnx';
import { exportPyTorchCommand } from './pytorch';
import { trainCommand } from './train';

export { CliError, EXIT, type CliIo } from './io';

/** The version in package.json. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const positiveInt = (what: string) => (value: string): number => {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive integer.`);
  return n;
};
const anyInt = (what: string) => (value: string): number => {
  const n = Number(value);
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} must be an integer.`);
  return n;
};
const positiveNumber = (what: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
  return n;
};
const port = (value: string): number => {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError('the port must be an integer 0–65535.');
  return n;
};
const backend = (value: string): BackendName => {
  if (!isBackendName(value)) throw new InvalidArgumentError(`the backend must be one of ${BACKENDS.join(', ')}.`);
  return value;
};

type OutputActivationChoice = 'none' | 'sigmoid' | 'softmax' | 'auto';

function buildProgram(io: CliIo, setCode: (code: number) => void, locations: DataLocations): Command {
  const program = new Command('bpstudio');
  program
    .description('Backprop Studio from the command line: train, evaluate and inspect graph documents, and print every edge\'s gradient.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: (s, write) => write(s) })
    .showSuggestionAfterError(true)
    .addHelpText('after', '\nExit codes: 0 ok, 1 error (bad file, invalid document, graph errors), 2 bad command line, 3 training stopped on NaN/Inf, 130 interrupted.\nDocumentation: docs/cli.md');

  const datasetOption = (): Option => new Option('--dataset <name|file>', 'a built-in dataset (xor, iris, circle, …) or a CSV file');
  const dataDirOption = (): Option =>
    new Option('--data-dir <dir>', "where dataset files are (Fashion-MNIST's four IDX files, or a fashion-mnist/ folder of them); default: BPSTUDIO_DATA_DIR, then the user data folder, then /usr/share/datasets");
  // The command's --data-dir holds for everything the command loads (engine/data/user-data.ts).
  program.hook('preAction', (_program, command) => {
    const dir = (command.opts() as { dataDir?: string }).dataDir;
    if (dir !== undefined) locations.dataDir = resolve(io.cwd ?? process.cwd(), dir);
  });

  program
    .command('train')
    .description('train a graph document (or continue a trained-model file)')
    .argument('<graph>', 'graph document or trained-model file (.json)')
    .addOption(datasetOption())
    .addOption(dataDirOption())
    .option('--epochs <n>', 'number of epochs (when resuming: epochs to add)', positiveInt('--epochs'))
    .option('--batch <n>', 'batch size', positiveInt('--batch'))
    .option('--lr <x>', 'learning rate', positiveNumber('--lr'))
    .addOption(new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZER_TYPES]))
    .option('--seed <s>', 'seed for initialisation, split and shuffling', anyInt('--seed'))
    .option('--backend <name>', `executor: ${BACKENDS.join(', ')}`, backend, 'auto')
    .option('--out <file>', 'write the trained-model file (atomically)')
    .option('--resume <file>', 'continue from this trained-model file (weights, optimizer state, history)')
    .option('--json', 'one JSON line per epoch on stdout and nothing else there')
    .action(async (graph: string, opts) => setCode(await trainCommand(graph, opts, io)));

  program
    .command('eval')
    .description('loss, accuracy and confusion matrix on the test split or a given dataset')
    .argument('<trained>', 'trained-model file (a graph document evaluates its initial or fixed weights)')
    .addOption(datasetOption())
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object')
    .action((file: string, opts) => setCode(evalCommand(file, opts, io)));

  program
    .command('predict')
    .description('run the model on samples from a JSON or CSV file')
    .argument('<model>', 'trained-model file or graph document')
    .requiredOption('--input <file>', 'samples: .json (an array of samples, or { "inputs": [...] }) or .csv (numeric rows, every column a feature)')
    .addOption(datasetOption())
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object')
    .option('--csv', 'print CSV')
    .action((file: string, opts) => setCode(predictCommand(file, opts, io)));

  program
    .command('info')
    .description('a layer table with output shapes and parameter counts, and the diagnostics')
    .argument('<graph>', 'graph document or trained-model file')
    .addOption(datasetOption())
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object')
    .action((file: string, opts) => setCode(infoCommand(file, opts, io)));

  program
    .command('grad')
    .description('one forward and backward pass on a batch (or the Inputs\' values in the document): every edge\'s value and gradient, every parameter\'s gradient')
    .argument('<graph>', 'graph document or trained-model file')
    .option('--batch <file>', 'BATCH.json: { "inputs": { "<Input id or label>": [...] }, "targets": [...] } or { "features": [...], "targets": [...] }; without it, every Input\'s value in the document')
    .option('--weights <file>', 'WEIGHTS.json: run on these weights — a trained-model file, a timeline checkpoint (the weights a training step ran on), or { "<node id>": { "<name>": { "shape", "data" } } }')
    .addOption(datasetOption())
    .addOption(dataDirOption())
    .option('--json', 'print one JSON object (full precision)')
    .action((file: string, opts) => setCode(gradCommand(file, opts, io)));

  program
    .command('export')
    .description('export a graph document or trained model as an ONNX inference model (opset 17), or as a PyTorch training script (--format pytorch)')
    .argument('<graph>', 'graph document or trained-model file')
    .requiredOption('-o, --out <file>', 'the file to write: .onnx, or .py for a PyTorch script')
    .addOption(new Option('--format <format>', 'onnx, or pytorch: a Python script in plain PyTorch (default: pytorch when -o ends in .py, else onnx)').choices(['onnx', 'pytorch']))
    .option('--weights', "pytorch: write the app's weights next to the script (<name>.safetensors) and load them (default when the source has trained or stored weights)")
    .option('--no-weights', 'pytorch: no weights file; the script starts from PyTorch\'s initialisation')
    .option('--softmax', 'append a softmax to logit outputs (the same as --output-activation softmax)')
    .addOption(
      new Option('--output-activation <fn>', 'append to the outputs: none (logits), sigmoid (BCE probabilities), softmax (class probabilities), or auto (what the Loss implies)')
        .choices(['none', 'sigmoid', 'softmax', 'auto']),
    )
    .action((file: string, opts: { out: string; format?: 'onnx' | 'pytorch'; weights?: boolean; softmax?: boolean; outputActivation?: OutputActivationChoice }) => {
      const format = opts.format ?? (opts.out.endsWith('.py') ? 'pytorch' : 'onnx');
      if (format === 'pytorch') {
        if (opts.softmax || opts.outputActivation) throw new CliError('--softmax and --output-activation are for ONNX; the PyTorch script\'s forward returns what the canvas computes', EXIT.usage);
        setCode(exportPyTorchCommand(file, { out: opts.out, ...(opts.weights !== undefined ? { weights: opts.weights } : {}) }, io));
      } else {
        if (opts.weights !== undefined) throw new CliError('--weights and --no-weights are for --format pytorch (an ONNX file always holds its weights)', EXIT.usage);
        setCode(exportCommand(file, opts, io));
      }
    });

  program
    .command('import')
    .description('import an ONNX model (MLP family) as a graph document with its weights')
    .argument('<model>', 'the .onnx file')
    .requiredOption('-o, --out <file>', 'the graph document to write')
    .action((file: string, opts) => setCode(importCommand(file, opts, io)));

  program
    .command('serve')
    .description('web mode: serve the app and its engine on 127.0.0.1 (a token protects the engine)')
    .option('--port <n>', 'port (default: any free port)', port)
    .option('--renderer <dir>', 'folder of the built app (default: dist/renderer)')
    .option('--allow-data <dir>', 'a folder whose files documents may name as datasets (repeatable; nothing else on disk is read)', (v: string, acc: string[] = []) => [...acc, v])
    .action(async (opts) => setCode(await serveCommand(opts, io)));

  return program;
}

/** Print an error: the first line after `error: `, further lines (diagnostics) as they are. */
function reportError(e: unknown, io: CliIo): number {
  const debug = (io.env ?? process.env)['BPSTUDIO_DEBUG'];
  const showStack = debug !== undefined && debug !== '' && debug !== '0';
  if (e instanceof CliError) {
    line(io.stderr, `error: ${e.message}`);
    for (const d of e.details) line(io.stderr, d);
    if (showStack && e.stack) line(io.stderr, e.stack);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const [first, ...rest] = (err.message || err.name).split('\n');
  line(io.stderr, `error: ${first}`);
  for (const l of rest) line(io.stderr, `  ${l}`);
  if (showStack && err.stack) line(io.stderr, err.stack);
  return EXIT.error;
}

/** Run the CLI on `argv` (without `node` and the script); returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  try {
    const locations: DataLocations = { env: io.env ?? process.env };
    const program = buildProgram(io, (c) => (code = c), locations);
    await withDataLocations(locations, () => program.parseAsync([...argv], { from: 'user' }));
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; everything commander rejects is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    return reportError(e, io);
  }
}

/** The real process: stdout/stderr, the terminal, Ctrl+C. */
export function processIo(): CliIo {
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    stderrStream: process.stderr,
    stderrIsTTY: process.stderr.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
    onInterrupt(handler) {
      const on = (): void => {
        // A second Ctrl+C ends the process at once.
        process.off('SIGINT', on);
        process.off('SIGTERM', on);
        handler();
      };
      process.on('SIGINT', on);
      process.on('SIGTERM', on);
      return () => {
        process.off('SIGINT', on);
        process.off('SIGTERM', on);
      };
    },
  };
}

/** Entry point of bin/bpstudio.mjs. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  // `bpstudio … | head` closes stdout early: stop quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  return runCli(argv, processIo());
}
