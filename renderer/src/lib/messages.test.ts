import { describe, expect, it } from 'vitest';
import { diagnosticsText } from './messages';

describe('engine messages shown inline', () => {
  it('a compile error reads as its diagnostics, without the header or a doubled "error:"', () => {
    expect(diagnosticsText('the graph has 1 error:\nerror: Linear "h": input has 2 features but in_features is 3')).toBe('Linear "h": input has 2 features but in_features is 3');
    expect(diagnosticsText('the graph has 2 errors:\nerror: A\nwarning: B')).toBe('A; B');
    expect(diagnosticsText('node "q" not found')).toBe('node "q" not found');
  });
});
