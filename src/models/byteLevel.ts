// GPT-2's reversible byte → printable character table, the alphabet of byte-level BPE vocabularies (RoBERTa,
// ModernBERT): every byte sequence is a string of vocabulary symbols. One table for the fixture BPE trainer and for
// reading byte-level tokens back to bytes (wordEncoding.ts).
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const map: string[] = new Array(256);
  bs.forEach((b, i) => (map[b] = String.fromCodePoint(cs[i])));
  return map;
}
