/** The service tells the editor what the params a document leaves unset follow (shown as "auto" in the inspector). */
import { describe, expect, it } from 'vitest';
import { EngineService } from './service';

describe('EngineService.validate: followed params', () => {
  it('a newcomer network on XOR: each Linear\'s sizes and the Target\'s encoding, as worked out from the graph and the data', async () => {
    const service = new EngineService();
    const edge = (id: string, source: string, target: string, targetPort = 'in') => ({ id, source, sourcePort: 'out', target, targetPort });
    const document = {
      formatVersion: 3,
      nodes: [
        { id: 'x', type: 'Input' },
        { id: 'h', type: 'Linear' },
        { id: 'a', type: 'Activation' },
        { id: 'o', type: 'Linear', params: { outFeatures: 2 } },
        { id: 't', type: 'Target' },
        { id: 'l', type: 'Loss', params: { fn: 'crossEntropy' } },
      ],
      edges: [edge('1', 'x', 'h'), edge('2', 'h', 'a'), edge('3', 'a', 'o'), edge('4', 'o', 'l', 'prediction'), edge('5', 't', 'l', 'target')],
      training: { dataset: { name: 'xor' } },
    };
    const v = await service.handle('validate', { document });
    expect(v.ok).toBe(true);
    expect(v.followed).toEqual({ h: { inFeatures: 2 }, o: { inFeatures: 8 }, t: { encoding: 'index' } });
    expect(v.parameterCounts).toMatchObject({ h: 2 * 8 + 8, o: 8 * 2 + 2 });
    expect(v.edgeShapes['4']).toBe('N×2');
  });
});
