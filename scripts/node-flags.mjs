/**
 * Node flags our own launches of Node add (the web-mode server of `npm start`, `npm run bench`).
 *
 * `ArrayBuffer.prototype.transfer` (standard from Node 21, and in the Electron the app ships)
 * lets the onnxruntime backend release onnxruntime-node's copy of every pre-allocated output at
 * once (engine/backends/ort/runtime.ts, `ownOutputs`) instead of leaving hundreds of them to the
 * garbage collector — on W1, 10–30 page faults a step fewer and a steadier step (bench/README,
 * "Where a W1 ort-cpu step goes now"). Node 20 has it behind a V8 flag; later versions need none
 * (and may no longer know the flag), so it is added on Node 20 only.
 */
export function nodeFlags(version = process.versions.node) {
  const major = Number(version.split('.')[0]);
  return major === 20 ? ['--harmony-rab-gsab-transfer'] : [];
}
