// Renders bench/lora.mjs results (lora.json) as the markdown BENCHMARKS.md quotes. Every ratio is computed here from
// the medians in the JSON, so the table can be re-derived from a snapshot: node -e "…renderLoraReport(JSON.parse(…))".

const f = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const mib = (b) => f(b / 2 ** 20, b < 2 ** 20 ? 2 : 1);
const gib = (b) => f(b / 2 ** 30, 2);
const size = (b) => (b >= 2 ** 30 ? `${gib(b)} GiB` : `${mib(b)} MiB`);
const count = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : 'n/a');
const pct = (x) => f(100 * x, 1);
const ms = (c) => `${pct(c.mean)} ± ${pct(c.sd)}`;

function sizeRows(section) {
  const out = [
    `Real size, ${section.steps} steps of batch ${section.batch} × ${section.maxLength} tokens per run, ${section.turns} turn(s) per strategy in the order ${section.order}; medians. Real-size part: ${f(section.wallMinutes, 1)} min wall.`,
    '',
    '| model | measurement | full fine-tuning | LoRA r 8 (query, value) | LoRA / full |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const row of section.configs) {
    const full = row.full;
    const lora = row.lora;
    if (!full || !lora || full.error || lora.error) {
      out.push(`| ${row.id} | runs | ${full?.error ?? 'ok'} | ${lora?.error ?? 'ok'} | |`);
      if (!full || !lora || full.error || lora.error) continue;
    }
    const line = (what, a, b, ratio) => out.push(`| ${row.id} | ${what} | ${a} | ${b} | ${ratio} |`);
    line('trainable parameters (summary)', count(full.trainableParams), `${count(lora.trainableParams)} (${f((100 * lora.trainableParams) / full.totalParams, 2)} % of ${count(full.totalParams)}; expected ${count(lora.expectedTrainableParams)})`, `${f(lora.trainableParams / full.trainableParams, 4)}×`);
    line('samples/s, summary (all steps)', f(full.medianSamplesPerSecond), f(lora.medianSamplesPerSecond), `**${f(lora.medianSamplesPerSecond / full.medianSamplesPerSecond)}×**`);
    line('samples/s, steps after the first (median)', f(full.medianSteadySamplesPerSecond), f(lora.medianSteadySamplesPerSecond), `${f(lora.medianSteadySamplesPerSecond / full.medianSteadySamplesPerSecond)}×`);
    line('peak RSS through the last train step (VmHWM at its progress message)', `${f(full.medianTrainingPeakRssMiB, 0)} MiB`, `${f(lora.medianTrainingPeakRssMiB, 0)} MiB`, `**${f(lora.medianTrainingPeakRssMiB / full.medianTrainingPeakRssMiB)}×**`);
    line('peak RSS of the whole run incl. eval, checkpoint, export (time -v)', `${f(full.medianPeakRssMiB, 0)} MiB`, `${f(lora.medianPeakRssMiB, 0)} MiB`, `${f(lora.medianPeakRssMiB / full.medianPeakRssMiB)}×`);
    line('checkpoint on disk (checkpoints/)', size(full.checkpointBytes), size(lora.checkpointBytes), `${f(lora.checkpointBytes / full.checkpointBytes, 4)}×`);
    line('adapter folder (adapter/)', full.adapterBytes ? size(full.adapterBytes) : '—', size(lora.adapterBytes), '');
    line('merged / full model folder (model/)', size(full.modelBytes), size(lora.modelBytes), `${f(lora.modelBytes / full.modelBytes)}×`);
    line('run folder', size(full.runFolderBytes), size(lora.runFolderBytes), `${f(lora.runFolderBytes / full.runFolderBytes)}×`);
    line('CLI wall time per run (load, artifacts, steps, eval, checkpoint, export)', `${f(full.medianWallSeconds, 0)} s (CPU ${f(full.medianCpuSeconds, 0)} s)`, `${f(lora.medianWallSeconds, 0)} s (CPU ${f(lora.medianCpuSeconds, 0)} s)`, `${f(lora.medianWallSeconds / full.medianWallSeconds)}×`);
    const turns = (s) => s.runs.map((r) => (r.error ? 'failed' : `${f(r.samplesPerSecond)} sps (steps ${r.stepSamplesPerSecond.map((x) => f(x)).join(', ')}), train peak ${f(r.trainingPeakRssMiB, 0)} / run peak ${f(r.peakRssMiB, 0)} MiB, load ${f(r.loadAverage, 1)}`)).join('; ');
    line('per turn', turns(full), turns(lora), '');
    const files = (s) => s.checkpointFiles.map((c) => `${c.file.split('/').pop()} ${size(c.bytes)}`).join(', ');
    line('checkpoint files', files(full), files(lora), '');
  }
  return out;
}

function accuracyRows(a) {
  const out = [
    `Accuracy at the same budget: encoder ${a.encoder} (tiny BERT MLM-pretrained as bench/setfit.mjs does), ${a.train} training / ${a.validation} validation sentences (one fixed stratified slice), test = the fixture's sentiment_test.csv (evaluated once per run, never used for choosing); ${a.epochs} epochs, batch ${a.batchSize}, max length ${a.maxLength}; seeds ${a.seeds.join(', ')}; LoRA ${a.loraSettings ? `r ${a.loraSettings.loraRank}, targets ${a.loraSettings.loraTargetModules ?? 'the BERT default (query, value)'}${a.loraSettings.loraModulesToSave ? `, also trained fully: ${a.loraSettings.loraModulesToSave}` : ''}` : 'r 8, query/value'}; mean ± sd in %.`,
    '',
    '| strategy | lr | trainable params | validation accuracy | validation macro-F1 | test accuracy | test macro-F1 | chosen |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const strategy of Object.keys(a.grids)) {
    for (const s of a[`${strategy}ByLr`] ?? []) {
      if (!s.n) {
        out.push(`| ${strategy} | ${s.lr} | failed | | | | | |`);
        continue;
      }
      const chosen = a.chosen[strategy]?.lr === s.lr;
      const b = (x) => (chosen ? `**${x}**` : x);
      out.push(`| ${strategy} | ${s.lr} | ${count(s.trainableParams)} of ${count(s.totalParams)} | ${b(ms(s.valAccuracy))} | ${b(ms(s.valMacroF1))} | ${b(ms(s.testAccuracy))} | ${b(ms(s.testMacroF1))} | ${chosen ? 'yes' : ''} |`);
    }
  }
  const { full, lora } = a.chosen;
  if (full?.n && lora?.n) {
    out.push('', `Chosen: full lr ${full.lr}, LoRA lr ${lora.lr}. LoRA − full at the chosen rates: validation macro-F1 ${f(100 * (lora.valMacroF1.mean - full.valMacroF1.mean), 1)} points, test accuracy ${f(100 * (lora.testAccuracy.mean - full.testAccuracy.mean), 1)} points, test macro-F1 ${f(100 * (lora.testMacroF1.mean - full.testMacroF1.mean), 1)} points; per seed test accuracy full ${full.testAccuracy.values.map((x) => pct(x)).join(' / ')}, LoRA ${lora.testAccuracy.values.map((x) => pct(x)).join(' / ')}.`);
  }
  const partial = a.chosen.partial;
  if (partial?.n) out.push('', `Full fine-tuning with the embeddings frozen (partial, freezeLayers 0), chosen lr ${partial.lr}: test accuracy ${ms(partial.testAccuracy)} %, macro-F1 ${ms(partial.testMacroF1)} %.`);
  return out;
}

export function renderLoraReport(r) {
  const m = r.machine;
  const out = [
    `Run ${r.date}${r.dryRun ? ' (DRY RUN: 1 step, 1 seed — wiring only, not a measurement)' : ''}; ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}.`,
    `Load average at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd?.join(' / ')} (1/5/15 min).`,
    '',
  ];
  if (r.size) out.push(...sizeRows(r.size), '');
  if (r.accuracy) out.push(...accuracyRows(r.accuracy), '');
  return out.join('\n');
}
