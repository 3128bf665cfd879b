// Candidate labels as typed in the input box: comma-separated, trimmed, empty entries and repeats dropped (the
// pipeline would score a repeated label twice and the hover would list it twice).
export function parseLabels(input: string): string[] {
  return [...new Set(input.split(',').map((l) => l.trim()).filter(Boolean))];
}
