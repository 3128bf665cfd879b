// batch.json (written by prepare.ts) as onnxruntime feeds.
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { BatchJson } from './benchModel';

export function readBatch(file: string): BatchJson {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BatchJson;
}

export function batchFeeds(b: BatchJson, withLabels: boolean): Record<string, ort.Tensor> {
  const i64 = (r: number[][]) => new ort.Tensor('int64', BigInt64Array.from(r.flat(), (v) => BigInt(v)), [b.batch, b.seq]);
  const feeds: Record<string, ort.Tensor> = { input_ids: i64(b.input_ids), attention_mask: i64(b.attention_mask), token_type_ids: i64(b.token_type_ids) };
  if (withLabels) feeds.labels = new ort.Tensor('int64', BigInt64Array.from(b.labels, (v) => BigInt(v)), [b.batch]);
  return feeds;
}
