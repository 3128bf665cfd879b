"""PyTorch eager baseline for the train-step benchmark (bench/run.mjs, bench/gpu.sh): the hand-written HF-named BERT
of bert_reference.py on the same model folder and batch.json as the engine, torch.optim.AdamW with HF Trainer's
decay/no-decay groups, clip_grad_norm_(1.0), no dropout (the engine's bench graphs have none either).

Usage: /usr/bin/python3 bench_train_step.py MODEL_DIR BATCH_JSON [--device cpu|cuda] [--warmup 2] [--steps 5] [--serve]
CPU: threads from OMP_NUM_THREADS (the bench sets 2). Prints one JSON line: step wall and CPU seconds (warm-up excluded),
losses, peak RSS (MiB, ru_maxrss) and, on CUDA, peak device memory.
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bert_reference import TaskModel, hf_loss, hf_state_dict_names  # noqa: E402
from safetensors_io import load_safetensors  # noqa: E402
from train_bert import no_decay  # noqa: E402


def median(xs):
    s = sorted(xs)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("batch")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--serve", action="store_true", help="interleaved mode: one step per 'run' line on stdin")
    a = ap.parse_args()
    threads = int(os.environ.get("OMP_NUM_THREADS", "2"))
    torch.set_num_threads(threads)
    dev = torch.device(a.device)
    with open(os.path.join(a.model_dir, "config.json")) as f:
        c = json.load(f)
    model = TaskModel(c, "sequence-classification")
    params = hf_state_dict_names(model)
    weights = load_safetensors(os.path.join(a.model_dir, "model.safetensors"))
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(weights[name].to(torch.float32))
    del weights
    model = model.to(dev).eval()  # eval(): no dropout, like the engine's bench graphs
    params = hf_state_dict_names(model)
    decay = [p for n, p in params.items() if not no_decay(n)]
    plain = [p for n, p in params.items() if no_decay(n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": plain, "weight_decay": 0.0}], lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    with open(a.batch) as f:
        b = json.load(f)
    ids = torch.tensor(b["input_ids"], dtype=torch.long, device=dev)
    mask = torch.tensor(b["attention_mask"], dtype=torch.long, device=dev)
    types = torch.tensor(b["token_type_ids"], dtype=torch.long, device=dev)
    labels = torch.tensor(b["labels"], dtype=torch.long, device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = hf_loss("sequence-classification", "single_label_classification", model(ids, mask, types), labels, c)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        out = loss.item()  # .item() synchronises, as the engine's loss read does
        sync()
        return out

    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    if a.serve:
        # bench/lib/serve.ts's protocol: "run" → one timed step as a JSON line, "exit" → peak RSS.
        print(json.dumps({"ready": True, "engine": "pytorch", "device": a.device, "threads": threads, "torch": torch.__version__}), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "exit":
                break
            if cmd == "run":
                sync()
                t0, c0 = time.perf_counter(), time.process_time()
                loss = step()
                print(json.dumps({"seconds": time.perf_counter() - t0, "cpuSeconds": time.process_time() - c0, "loss": loss}), flush=True)
        print(json.dumps({"done": True, "peakRssMiB": peak()}), flush=True)
        return
    times, cpu, losses = [], [], []
    for i in range(a.warmup + a.steps):
        sync()
        t0, c0 = time.perf_counter(), time.process_time()
        losses.append(step())
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)

    out = {
        "engine": "pytorch", "device": a.device, "threads": threads, "torch": torch.__version__, "stepSeconds": times, "medianStepSeconds": median(times),
        "cpuSeconds": cpu, "medianCpuSeconds": median(cpu),
        "losses": losses, "peakRssMiB": peak(),
    }
    if dev.type == "cuda":
        out["peakDeviceMiB"] = torch.cuda.max_memory_allocated() / 2**20
        out["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
