// The transfer-learning strategies a run can use. Each is a setting of which parameters train and how.
export type StrategyId = 'feature-extraction' | 'full' | 'partial' | 'gradual-unfreezing' | 'discriminative-lr' | 'mlm' | 'setfit' | 'lora';

export const STRATEGIES: Record<StrategyId, { title: string; description: string }> = {
  'feature-extraction': { title: 'Feature extraction', description: 'Freeze the encoder, train a new head. Encoder outputs are computed once and cached: fastest.' },
  full: { title: 'Full fine-tuning', description: 'Train every parameter. Best accuracy with enough data; slowest.' },
  partial: { title: 'Partial fine-tuning', description: 'Freeze the embeddings and the bottom N layers, train the rest and the head.' },
  'gradual-unfreezing': { title: 'Gradual unfreezing', description: 'Train the head first, then unfreeze one more layer (top down) each epoch.' },
  'discriminative-lr': { title: 'Discriminative learning rates', description: 'Lower layers learn slower: lr × decay^(layers − layer); the head uses the base lr.' },
  mlm: { title: 'Continued pre-training (masked LM)', description: 'Adapt the encoder to unlabeled domain text (15% masking, 80/10/10) before classification.' },
  lora: { title: 'LoRA (low-rank adapters)', description: 'Freeze the encoder, train small low-rank adapters in its attention and the head: ~1 % of the parameters, a PEFT adapter to share.' },
  setfit: { title: 'Few-shot SetFit', description: 'Contrastive sentence-embedding fine-tuning + a classification head; for 8–16 examples per class.' },
};
