// Xenova/distilbert-base-uncased-finetuned-sst-2-english: an ONNX-only transformers.js repo (onnx/model.onnx in torch.onnx's
// naming plus model_quantized.onnx, no model.safetensors); its fine-tuned SST-2 head is loaded, not initialised.
import { distilbertForSequenceClassification } from './hfParameters';
import { configVocab } from './support';
import { zooTests } from './zooCase';

const ID = 'Xenova/distilbert-base-uncased-finetuned-sst-2-english';
const vocab = configVocab(ID);

zooTests({
  id: ID,
  expected: distilbertForSequenceClassification({ vocab, hidden: 768, intermediate: 3072, layers: 2, positions: 512, typeVocab: 0, labels: 2 }),
  initialised: [],
  head: ['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias'],
  unused: [],
  ids: { first: 101, last: 102, pad: 0 },
});
