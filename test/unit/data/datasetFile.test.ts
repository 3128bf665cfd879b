// Which workspace files are offered as datasets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetFormatOf, isCandidateDataset } from '../../../src/data/datasetFile';

test('formats by extension, case-insensitive', () => {
  assert.deepEqual(['a.CSV', 'b.tsv', 'c.ndjson', 'd.jsonl', 'e.json', 'f.parquet', 'g.md', 'h.txt', 'i.xlsx'].map(datasetFormatOf),
    ['csv', 'tsv', 'jsonl', 'jsonl', 'json', 'parquet', 'text', 'text', undefined]);
});

test('datasets are offered; model, tool and documentation files are not', () => {
  for (const f of ['data/train.csv', 'reviews.jsonl', 'corpus/wiki.txt', 'notes/chapter1.md', 'rows.json', 'readme_samples.csv']) {
    assert.equal(isCandidateDataset(f), true, f);
  }
  for (const f of ['model/config.json', 'model/vocab.txt', 'model/merges.txt', 'model/tokenizer.json', 'README.md', 'docs/README.txt',
    'LICENSE.txt', 'CHANGELOG.md', 'requirements.txt', 'requirements-dev.txt', '.vscode/settings.json', 'tsconfig.build.json',
    'out/trainer_state.json', 'api.schema.json', 'CODE_OF_CONDUCT.md', 'image.png']) {
    assert.equal(isCandidateDataset(f), false, f);
  }
});
