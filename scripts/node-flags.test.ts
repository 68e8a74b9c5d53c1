import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodeFlags } from './node-flags.mjs';

describe('the Node flags our launches add', () => {
  it('enable ArrayBuffer.prototype.transfer on Node 20 only', () => {
    expect(nodeFlags('20.20.2')).toEqual(['--harmony-rab-gsab-transfer']);
    expect(nodeFlags('21.0.0')).toEqual([]);
    expect(nodeFlags('22.12.0')).toEqual([]);
  });

  it('give this Node ArrayBuffer.prototype.transfer, and it releases a buffer', () => {
    const r = spawnSync(process.execPath, [...nodeFlags(), '-e', 'const b = new ArrayBuffer(400000); b.transfer(0); process.stdout.write(String(b.byteLength))'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0');
  });
});
