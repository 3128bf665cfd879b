// Real labelled review sentences (UCI "Sentiment Labelled Sentences" via npm sentiment), as the benches' data.
import { LabelledSentence, loadSentimentCorpus } from '../../scripts/fixtures/corpus';

export function reviewSentences(): LabelledSentence[] {
  return loadSentimentCorpus();
}

/**
 * `count` texts of consecutive sentences joined until each is at least `minWords` long, so that every row fills a
 * 128-token window with real text (a fixed-shape step, as the PyTorch reference runs it) and no padding.
 */
export function longTexts(sentences: readonly LabelledSentence[], count: number, minWords = 140): { text: string; label: number }[] {
  const out: { text: string; label: number }[] = [];
  let i = 0;
  while (out.length < count) {
    const parts: string[] = [];
    const label = sentences[i % sentences.length].label;
    let words = 0;
    while (words < minWords) {
      const s = sentences[i++ % sentences.length].text;
      parts.push(s);
      words += s.split(' ').length;
    }
    out.push({ text: parts.join(' '), label });
  }
  return out;
}
