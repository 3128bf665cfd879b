"""SentencePiece (Debian python3-sentencepiece) as the reference for the Unigram tokenizers HF's slow tokenizers are:
XLMRobertaTokenizer and DebertaV2Tokenizer both call SentencePieceProcessor.encode and map its ids.

Request JSON on stdin: {"corpus": [texts to train on], "train": {SentencePieceTrainer options}, "model_out": path,
"encode": [texts]}. Trains a Unigram model in memory, writes it to model_out, and replies
{"pieces": [[piece, score, kind]], "ids": [[spm ids per text]], "tokens": [[pieces per text]]}, kind one of
normal/unknown/control/user_defined/unused/byte, as SentencePieceProcessor reports it (what the .model parser must read).
"""
import io
import json
import sys

import sentencepiece as spm


def kind(sp, i):
    if sp.is_unknown(i):
        return "unknown"
    if sp.is_control(i):
        return "control"
    if sp.is_unused(i):
        return "unused"
    if sp.is_byte(i):
        return "byte"
    # SentencePieceProcessor has no is_user_defined; the parser test only names the kinds it can see.
    return "normal"


def main():
    req = json.load(sys.stdin)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(req["corpus"]), model_writer=buf, **req["train"])
    with open(req["model_out"], "wb") as f:
        f.write(buf.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    n = sp.get_piece_size()
    out = {
        "pieces": [[sp.id_to_piece(i), sp.get_score(i), kind(sp, i)] for i in range(n)],
        "ids": [sp.encode(t, out_type=int) for t in req["encode"]],
        "tokens": [sp.encode(t, out_type=str) for t in req["encode"]],
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
