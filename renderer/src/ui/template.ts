/** The pure part of File ▸ New from Template: reading the dialog's fields and building the document. */
import { mlpTemplate } from '../../../engine/graph/templates';
import type { GraphDocument } from '../../../engine/graph/document';
import type { BuiltinDatasetInfo } from '../../../engine/data/builtin';
import { chooseDataset, resolveTraining } from '../panels/settings';

/** "8" or "16, 8" → [8] / [16, 8]; "" → [] (a linear model); null when not a list of positive whole numbers. */
export function parseHidden(text: string): number[] | null {
  const parts = text.split(/[,\s]+/).filter((p) => p !== '');
  const sizes = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  return sizes.every((n) => Number.isSafeInteger(n) && n >= 1 && n <= 1 << 20) ? sizes : null;
}

/** Hidden sizes that suit a dataset: 8 for the small 2-D sets, 16 for tables, 128 for images (the lecture's Fashion-MNIST net). */
export function suggestedHidden(info: Pick<BuiltinDatasetInfo, 'featureShape'> | undefined): string {
  if (!info) return '8';
  const features = info.featureShape.reduce((a, b) => a * b, 1);
  return features > 64 ? '128' : features > 2 ? '16' : '8';
}

/** The template's document with the dataset's own training choices (an official test split, ÷255 for images). */
export function templateDocument(info: BuiltinDatasetInfo, hidden: number[], activation: string): GraphDocument {
  const doc = mlpTemplate({ dataset: info, hidden, activation });
  const training = resolveTraining(doc.training);
  return { ...doc, training: { ...training, ...chooseDataset(info.name, info, training) } };
}

