/** `bpstudio export` and `bpstudio import`: ONNX out of and into graph documents (docs/onnx.md). */
import { resolve } from 'node:path';
import { exportOnnxFile, type OutputActivation } from '../onnx/export';
import { importOnnxFile } from '../onnx/import';
import { EXIT, line, type CliIo } from './io';
import { loadGraphSource, resolveBinding } from './load';

export function exportCommand(file: string, opts: { out: string; softmax?: boolean; outputActivation?: OutputActivation | 'auto' }, io: CliIo): number {
  const cwd = io.cwd ?? process.cwd();
  // The document is validated whole before export, with its dataset's shapes as `info` has them.
  const b = resolveBinding(loadGraphSource(file, cwd), undefined, cwd);
  if (b.warning) line(io.stderr, `warning: ${b.warning}`);
  const r = exportOnnxFile(resolve(cwd, file), resolve(cwd, opts.out), { softmax: opts.softmax === true, ...(opts.outputActivation ? { outputActivation: opts.outputActivation } : {}), ...(b.binding ? { data: b.binding } : {}) });
  for (const w of r.warnings) line(io.stderr, `warning: ${w}`);
  const io2 = (xs: typeof r.inputs): string => xs.map((x) => `${x.name} [${x.shape.join('×')}]`).join(', ');
  const appended = r.outputActivation === 'none' ? '' : ` (${r.outputActivation} appended)`;
  line(io.stdout, `wrote ${opts.out} (${r.size} bytes, ONNX opset 17): inputs ${io2(r.inputs)}; outputs ${io2(r.outputs)}${appended}`);
  return EXIT.ok;
}

export function importCommand(file: string, opts: { out: string }, io: CliIo): number {
  const cwd = io.cwd ?? process.cwd();
  const doc = importOnnxFile(resolve(cwd, file), resolve(cwd, opts.out));
  line(io.stdout, `wrote ${opts.out}: ${doc.nodes.length} nodes, ${doc.edges.length} edges`);
  return EXIT.ok;
}
