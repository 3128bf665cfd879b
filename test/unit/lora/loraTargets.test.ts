// Target resolution with PEFT's target_modules semantics on the real module names of the fixture graphs: suffix
// matching on dots, full-match regular expressions, the closest-name message for BERT's "q"/"v" (PEFT #377), the head
// refused as a target, and a per-family default that adapts every layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSavedParam } from '../../../src/training/lora/loraConfig';
import { DEFAULT_TARGETS, LoraTargetError, linearModules, matchesTarget, resolveTargets } from '../../../src/training/lora/loraTargets';
import { FAMILY_FIXTURES, forward, loadTiny } from './loraFixture';

const Q = 'bert.encoder.layer.0.attention.self.query';

test('matchesTarget: a list entry is the whole name or a suffix after a dot; a string is a regular expression that must match the whole name', () => {
  assert.equal(matchesTarget(Q, ['query']), true);
  assert.equal(matchesTarget(Q, ['self.query']), true);
  assert.equal(matchesTarget(Q, [Q]), true);
  assert.equal(matchesTarget(`${Q}x`, ['query']), false, '"query" must not match "queryx"');
  assert.equal(matchesTarget('bert.encoder.layer.0.attention.self.subquery', ['query']), false, 'a suffix counts only after a dot');
  assert.equal(matchesTarget(Q, ['uery']), false);
  // BERT has attention.output.dense and output.dense (the FFN's second Linear): "output.dense" matches both.
  assert.equal(matchesTarget('bert.encoder.layer.1.attention.output.dense', ['output.dense']), true);
  assert.equal(matchesTarget('bert.encoder.layer.1.output.dense', ['output.dense']), true);
  assert.equal(matchesTarget('bert.encoder.layer.1.intermediate.dense', ['output.dense']), false);
  // A regular expression: re.fullmatch in PEFT.
  assert.equal(matchesTarget(Q, '.*\\.(query|value)'), true);
  assert.equal(matchesTarget(Q, 'query'), false, 'a regex string must match the whole name, not a part');
  assert.equal(matchesTarget(`${Q}x`, '.*\\.(query|value)'), false);
  assert.equal(matchesTarget('bert.encoder.layer.1.attention.self.value', '.*layer\\.0\\..*(query|value)'), false);
});

test('resolveTargets on BERT: lists and regular expressions pick the matching Linear modules in graph order', () => {
  const t = loadTiny('tiny-bert', 'sequence-classification');
  const linear = linearModules(forward(t).graph);
  const opts = { modelType: 'bert', fullyTrained: (m: string) => isSavedParam(`${m}.weight`, ['classifier']) };
  const L = t.spec.numLayers;
  const qv = resolveTargets(linear, ['query', 'value'], opts).map((m) => m.module);
  assert.deepEqual(qv, Array.from({ length: L }, (_, i) => [`bert.encoder.layer.${i}.attention.self.query`, `bert.encoder.layer.${i}.attention.self.value`]).flat());
  const out = resolveTargets(linear, ['output.dense'], opts).map((m) => m.module);
  assert.deepEqual(out, Array.from({ length: L }, (_, i) => [`bert.encoder.layer.${i}.attention.output.dense`, `bert.encoder.layer.${i}.output.dense`]).flat());
  const re = resolveTargets(linear, 'bert\\.encoder\\.layer\\.1\\..*\\.(query|key)', opts).map((m) => m.module);
  assert.deepEqual(re, ['bert.encoder.layer.1.attention.self.query', 'bert.encoder.layer.1.attention.self.key']);
  // layers (PEFT layers_to_transform) keeps only those layers' modules.
  const top = resolveTargets(linear, ['query'], { ...opts, layers: new Set([L - 1]) }).map((m) => m.module);
  assert.deepEqual(top, [`bert.encoder.layer.${L - 1}.attention.self.query`]);
});

test('resolveTargets: "q"/"v" on BERT fails naming "query" and "value" (PEFT #377); a typo, an empty list, a bad regex, a regex matching nothing', () => {
  const t = loadTiny('tiny-bert', 'sequence-classification');
  const linear = linearModules(forward(t).graph);
  const opts = { modelType: 'bert', fullyTrained: (m: string) => isSavedParam(`${m}.weight`, ['classifier']) };
  assert.throws(() => resolveTargets(linear, ['q', 'v'], opts), (e: Error) => {
    assert.ok(e instanceof LoraTargetError);
    assert.match(e.message, /"q" matches no Linear module \(did you mean "query"/);
    assert.match(e.message, /"v" matches no Linear module \(did you mean "value"/);
    assert.match(e.message, /bert model/);
    assert.match(e.message, /Its Linear modules end in: .*query.*value/);
    return true;
  });
  assert.throws(() => resolveTargets(linear, ['quary'], opts), /"quary" matches no Linear module \(did you mean "query"/);
  // One good target does not excuse a bad one.
  assert.throws(() => resolveTargets(linear, ['query', 'vlaue'], opts), (e: Error) => /"vlaue"/.test(e.message) && !/"query" matches/.test(e.message));
  assert.throws(() => resolveTargets(linear, [], opts), /is empty/);
  assert.throws(() => resolveTargets(linear, '(query', opts), /not a valid regular expression/);
  assert.throws(() => resolveTargets(linear, 'query', opts), /regular expression "query" matches no full module name \(for example "bert\.encoder/);
});

test('resolveTargets: a target in the head fails saying the head trains fully', () => {
  const t = loadTiny('tiny-bert', 'sequence-classification');
  const linear = linearModules(forward(t).graph);
  const opts = { modelType: 'bert', fullyTrained: (m: string) => isSavedParam(`${m}.weight`, ['classifier']) };
  assert.throws(() => resolveTargets(linear, ['classifier'], opts), /"classifier" is part of the head, which trains fully \(modules_to_save\)/);
  // Matching the head along with encoder modules adapts only the encoder ones.
  const dense = resolveTargets(linear, '.*(query|classifier)', opts).map((m) => m.module);
  assert.ok(dense.length === t.spec.numLayers && !dense.includes('classifier'), dense.join(', '));
});

test('DEFAULT_TARGETS resolve on every fixture family to at least one module in every layer', () => {
  const report: string[] = [];
  for (const model of FAMILY_FIXTURES) {
    const t = loadTiny(model, 'sequence-classification');
    const linear = linearModules(forward(t).graph);
    const modules = resolveTargets(linear, DEFAULT_TARGETS[t.spec.family], { modelType: t.spec.modelType, fullyTrained: () => false });
    for (let i = 0; i < t.spec.numLayers; i++) {
      const inLayer = modules.filter((m) => new RegExp(`\\.(?:layer|layers)\\.${i}\\.`).test(m.module));
      assert.ok(inLayer.length >= 1, `${model}: no default adapter in layer ${i} (${modules.map((m) => m.module).join(', ')})`);
    }
    for (const m of modules) assert.doesNotMatch(m.module, /^(classifier|pre_classifier|head)\b/, `${model}: a default target in the head`);
    report.push(`${model} (${t.spec.family}): [${DEFAULT_TARGETS[t.spec.family].join(', ')}] → ${modules.length} modules over ${t.spec.numLayers} layers`);
  }
  console.log(report.join('\n'));
});
