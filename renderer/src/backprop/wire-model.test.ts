import { describe, expect, it } from 'vitest';
import { bezierPoint, edgeName, edgeNames, nodeName, overlaps, placeCallout, placeLabels, sparkPoints, summarize, type LabelPlacement, type LabelRequest, type Rect } from './wire-model';
import type { TensorSnapshot } from './backprop-model';
import type { GraphDocument } from '../../../engine/graph/document';

function snap(shape: number[], data: number[]): TensorSnapshot {
  return { shape, data, mean: data.reduce((a, b) => a + b, 0) / data.length, min: Math.min(...data), max: Math.max(...data), absMax: Math.max(...data.map(Math.abs)), norm: Math.hypot(...data) };
}

describe('wire label summaries', () => {
  it('a scalar is its number, up to 2×2 in full, larger as a sparkline or heatmap with mean and norm', () => {
    expect(summarize(snap([], [6.75]))).toEqual({ kind: 'scalar', text: '6.75' });
    expect(summarize(snap([2, 2], [1, 2, 3, 4]))).toEqual({ kind: 'grid', rows: 2, cols: 2, cells: ['1', '2', '3', '4'] });
    expect(summarize(snap([1, 3], [1, 2, 3]))).toMatchObject({ kind: 'grid', rows: 1, cols: 3 });
    expect(summarize(snap([1, 8], [1, 2, 3, 4, 5, 6, 7, 8]))).toMatchObject({ kind: 'spark', cols: 8, mean: '4.5' });
    expect(summarize(snap([3, 4], Array.from({ length: 12 }, (_, i) => i)))).toMatchObject({ kind: 'heat', rows: 3, cols: 4, shape: '3×4' });
  });
  it('a sparkline is at most 48 bucket means scaled to 0..1', () => {
    const p = sparkPoints(Array.from({ length: 100 }, (_, i) => i));
    expect(p.length).toBe(34);
    expect(p[0]).toBe(0);
    expect(p[p.length - 1]).toBe(1);
    expect(sparkPoints([5, 5])).toEqual([0.5, 0.5]);
  });
});

describe('wires', () => {
  it('follows React Flow’s bezier: the ends, and the middle of a straight wire', () => {
    const g = { sourceX: 0, sourceY: 0, targetX: 100, targetY: 0, sourcePosition: 'right', targetPosition: 'left' } as const;
    expect(bezierPoint(g, 0)).toEqual({ x: 0, y: 0 });
    expect(bezierPoint(g, 1)).toEqual({ x: 100, y: 0 });
    expect(bezierPoint(g, 0.5)).toEqual({ x: 50, y: 0 });
    const s = { ...g, targetY: 100 };
    expect(bezierPoint(s, 0.5)).toEqual({ x: 50, y: 50 });
  });
});

describe('label placement', () => {
  const req = (id: string, x: number, y: number, w = 40, h = 30): LabelRequest => ({ id, width: w, height: h, chip: { width: 22, height: 14 }, anchors: [{ x, y }, { x: x + 60, y }, { x: x + 120, y }] });
  const bounds = { x: 0, y: 0, width: 1000, height: 800 };
  it('centres a label on its wire when nothing is in the way', () => {
    const [p] = placeLabels([req('a', 100, 100)], [], bounds);
    expect(p).toMatchObject({ x: 80, y: 85, collapsed: false });
  });
  it('never overlaps a node or another label; moves along or beside the wire instead', () => {
    const node = { x: 60, y: 60, width: 50, height: 80 };
    const placed = placeLabels([req('a', 100, 100), req('b', 100, 100)], [node], bounds);
    for (const p of placed) expect(overlaps(p, node)).toBe(false);
    for (let i = 0; i < placed.length; i++) for (let j = i + 1; j < placed.length; j++) expect(overlaps(placed[i]!, placed[j]!)).toBe(false);
    expect(placed.every((p) => !p.collapsed)).toBe(true);
  });
  it('collapses to a chip where no full label fits, and far out', () => {
    const wall = [{ x: 0, y: 0, width: 1000, height: 90 }, { x: 0, y: 112, width: 1000, height: 600 }];
    const [p] = placeLabels([req('a', 100, 100)], wall, bounds);
    expect(p).toMatchObject({ collapsed: true, width: 22, height: 14 });
    expect(placeLabels([req('a', 100, 100)], [], bounds, { collapse: true })[0]!.collapsed).toBe(true);
  });
  it('places as testing every obstacle and every label would, however many lie off screen', () => {
    // the placement before obstacles off screen were set aside: every box tested against everything
    const reference = (requests: LabelRequest[], obstacles: Rect[], b: Rect): LabelPlacement[] => {
      const placed: Rect[] = [];
      const inside = (r: Rect) => r.x >= b.x && r.y >= b.y && r.x + r.width <= b.x + b.width && r.y + r.height <= b.y + b.height;
      const free = (r: Rect) => inside(r) && !obstacles.some((o) => overlaps(r, o, 3)) && !placed.some((o) => overlaps(r, o, 3));
      const find = (req: LabelRequest, w: number, h: number) => {
        for (const a of req.anchors) for (const dy of [0, -(h / 2 + 5), h / 2 + 5]) {
          const r = { x: a.x - w / 2, y: a.y - h / 2 + dy, width: w, height: h };
          if (free(r)) return { r, anchor: a };
        }
        return null;
      };
      return requests.map((req) => {
        const mid = req.anchors[0]!;
        const full = find(req, req.width, req.height);
        const spot = full ?? find(req, req.chip.width, req.chip.height);
        const r = spot?.r ?? { x: mid.x - req.chip.width / 2, y: mid.y - req.chip.height / 2, width: req.chip.width, height: req.chip.height };
        placed.push(r);
        return { id: req.id, ...r, collapsed: !full, anchor: spot?.anchor ?? mid };
      });
    };
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const screen = { x: 4, y: 4, width: 600, height: 400 };
    for (let round = 0; round < 20; round++) {
      // a large graph: most nodes and wires far off screen, some straddling its edges
      const obstacles = Array.from({ length: 150 }, () => ({ x: rnd() * 3000 - 1200, y: rnd() * 2000 - 800, width: 60 + rnd() * 100, height: 30 + rnd() * 40 }));
      const requests = Array.from({ length: 60 }, (_, i) => {
        const x = rnd() * 2400 - 900;
        const y = rnd() * 1600 - 600;
        return { id: `e${i}`, width: 30 + rnd() * 90, height: 18 + rnd() * 20, chip: { width: 22, height: 14 }, anchors: [0, 1, 2, 3].map((k) => ({ x: x + k * 25, y: y + k * 8 })) };
      });
      expect(placeLabels(requests, obstacles, screen)).toEqual(reference(requests, obstacles, screen));
    }
    // a dense view (a zoomed-out lesson): everything on screen, most labels end up as chips
    const wide = { x: 4, y: 4, width: 1200, height: 700 };
    for (let round = 0; round < 10; round++) {
      const obstacles = Array.from({ length: 80 }, () => ({ x: rnd() * 1250 - 20, y: rnd() * 750 - 20, width: 40 + rnd() * 90, height: 25 + rnd() * 40 }));
      const requests = Array.from({ length: 100 }, (_, i) => {
        const x = rnd() * 1200;
        const y = rnd() * 700;
        return { id: `d${i}`, width: 30 + rnd() * 90, height: 18 + rnd() * 20, chip: { width: 22, height: 14 }, anchors: [0, 1, 2, 3, 4, 5, 6, 7, 8].map((k) => ({ x: x + (k - 4) * 20, y: y + (k - 4) * 6 })) };
      });
      const got = placeLabels(requests, obstacles, wide);
      expect(got).toEqual(reference(requests, obstacles, wide));
      expect(got.filter((p) => !p.collapsed).length).toBeGreaterThan(10);
      expect(got.filter((p) => p.collapsed).length).toBeGreaterThan(10);
    }
  });
  it('puts the callout above a node when there is room, else below', () => {
    const node = { x: 300, y: 300, width: 100, height: 50 };
    expect(placeCallout(node, 200, 80, [], bounds)).toMatchObject({ x: 250, y: 210 });
    expect(placeCallout({ ...node, y: 20 }, 200, 80, [], bounds).y).toBe(80);
    // a label above: the callout moves aside rather than cover it
    const label = { x: 250, y: 230, width: 200, height: 60 };
    const r = placeCallout(node, 200, 80, [label], bounds);
    expect(overlaps(r, label)).toBe(false);
    expect(overlaps(r, node)).toBe(false);
  });
});

describe('names as the user wrote them', () => {
  const doc = {
    formatVersion: 3, name: 'n',
    nodes: [
      { id: 'y', type: 'Add', label: 'y = x + 2', params: {}, position: { x: 0, y: 0 } },
      { id: 'z', type: 'Power', label: 'z = y³', params: {}, position: { x: 0, y: 0 } },
      { id: 'm', type: 'Max', label: 'max(x, y)', params: {}, position: { x: 0, y: 0 } },
    ],
    edges: [{ id: 'e', source: 'y', sourcePort: 'out', target: 'z', targetPort: 'in' }],
  } as GraphDocument;
  it('the variable on the left of a label, else the label', () => {
    expect(nodeName(doc, 'y')).toBe('y');
    expect(nodeName(doc, 'm')).toBe('max(x, y)');
    expect(edgeName(doc, 'e')).toBe('y → z (in)');
  });
  it('names every edge at once as edgeName names each', () => {
    const split = {
      ...doc,
      nodes: [...doc.nodes, { id: 's', type: 'Split', label: 'split', params: {}, position: { x: 0, y: 0 } }],
      edges: [...doc.edges, { id: 'a', source: 's', sourcePort: 'a', target: 'z', targetPort: 'in' }, { id: 'b', source: 's', sourcePort: 'b', target: 'm', targetPort: 'x' }],
    } as GraphDocument;
    const all = edgeNames(split);
    for (const e of split.edges) expect(all.get(e.id)).toBe(edgeName(split, e.id));
    expect(all.get('a')).toBe('split.a → z (in)');
  });
});
