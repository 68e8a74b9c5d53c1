#!/usr/bin/env node
/**
 * Draw the app icon (assets/icons/icon.png, 512×512 RGBA): a small network on a dark rounded
 * square, forward edges in the app's cool hue and one backpropagation path in its warm hue.
 * Written with zlib only (4×4 supersampled); the PNG is committed, this script regenerates it.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const SS = 4;

const hex = (h, a = 1) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), a];
const COOL = '#4cc9f0';
const WARM = '#ff8a3d';

const layers = [
  [190, 322].map((y) => [132, y]),
  [140, 256, 372].map((y) => [256, y]),
  [[380, 256]],
];

/** Shapes, painted in order: each has `inside(x, y)` and a colour. */
const shapes = [];
const roundedRect = (x0, y0, x1, y1, r) => (x, y) => {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
};
const segment = ([ax, ay], [bx, by], w) => (x, y) => {
  const vx = bx - ax, vy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy)));
  const px = ax + t * vx - x, py = ay + t * vy - y;
  return px * px + py * py <= (w / 2) ** 2;
};
const disc = ([cx, cy], r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

// background: vertical gradient inside the rounded square
const bg = roundedRect(32, 32, 480, 480, 96);
shapes.push({ inside: bg, color: (x, y) => { const t = (y - 32) / 448; return [29 + (13 - 29) * t, 43 + (20 - 43) * t, 83 + (41 - 83) * t, 1]; } });
// forward edges
const backprop = new Set(['2:0-1:1', '1:1-0:0']);
for (let l = 0; l + 1 < layers.length; l++) {
  for (const [i, a] of layers[l].entries()) {
    for (const [j, b] of layers[l + 1].entries()) {
      if (backprop.has(`${l + 1}:${j}-${l}:${i}`)) continue;
      shapes.push({ inside: segment(a, b, 9), color: () => hex(COOL, 0.55) });
    }
  }
}
// the backpropagation path, output → hidden → input, with arrow heads pointing backwards
shapes.push({ inside: segment(layers[2][0], layers[1][1], 13), color: () => hex(WARM) });
shapes.push({ inside: segment(layers[1][1], layers[0][0], 13), color: () => hex(WARM) });
const arrow = (tip, from, len = 30, half = 16) => {
  const [tx, ty] = tip, dx = tip[0] - from[0], dy = tip[1] - from[1], n = Math.hypot(dx, dy);
  const ux = dx / n, uy = dy / n, bx = tx - ux * len, by = ty - uy * len;
  const p1 = [bx - uy * half, by + ux * half], p2 = [bx + uy * half, by - ux * half];
  const sign = (p, q, r) => (p[0] - r[0]) * (q[1] - r[1]) - (q[0] - r[0]) * (p[1] - r[1]);
  return (x, y) => {
    const p = [x, y], d1 = sign(p, tip, p1), d2 = sign(p, p1, p2), d3 = sign(p, p2, tip);
    return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
  };
};
// place each arrow head just outside the target node's ring
const toward = (a, b, r) => { const n = Math.hypot(b[0] - a[0], b[1] - a[1]); return [a[0] + ((b[0] - a[0]) / n) * r, a[1] + ((b[1] - a[1]) / n) * r]; };
shapes.push({ inside: arrow(toward(layers[1][1], layers[2][0], 44), layers[2][0]), color: () => hex(WARM) });
shapes.push({ inside: arrow(toward(layers[0][0], layers[1][1], 44), layers[1][1]), color: () => hex(WARM) });
// nodes: a coloured ring around a light face
for (const [l, layer] of layers.entries()) {
  for (const p of layer) {
    const ring = l === 2 ? WARM : COOL;
    shapes.push({ inside: disc(p, 36), color: () => hex(ring) });
    shapes.push({ inside: disc(p, 27), color: () => hex('#eef4ff') });
  }
}

function render() {
  const px = Buffer.alloc(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const fx = x + (sx + 0.5) / SS, fy = y + (sy + 0.5) / SS;
          // premultiplied "over" compositing of every shape covering this sample
          let cr = 0, cg = 0, cb = 0, ca = 0;
          for (const s of shapes) {
            if (!s.inside(fx, fy)) continue;
            const [sr, sg, sb, sa] = s.color(fx, fy);
            cr = sr * sa + cr * (1 - sa); cg = sg * sa + cg * (1 - sa); cb = sb * sa + cb * (1 - sa); ca = sa + ca * (1 - sa);
          }
          r += cr; g += cg; b += cb; a += ca;
        }
      }
      const n = SS * SS, o = (y * SIZE + x) * 4, alpha = a / n;
      px[o] = alpha ? Math.round(r / n / alpha) : 0;
      px[o + 1] = alpha ? Math.round(g / n / alpha) : 0;
      px[o + 2] = alpha ? Math.round(b / n / alpha) : 0;
      px[o + 3] = Math.round(alpha * 255);
    }
  }
  return px;
}

const CRC = new Int32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c; });
const crc32 = (buf) => { let c = -1; for (const byte of buf) c = CRC[(c ^ byte) & 0xff] ^ (c >>> 8); return (c ^ -1) >>> 0; };
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'icons', 'icon.png');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, encodePng(SIZE, SIZE, render()));
console.log(`wrote ${out}`);
