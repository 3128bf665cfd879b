#!/usr/bin/env bash
# The train-step benchmark on one NVIDIA GPU, for a Linux x64 machine WITHOUT network (CUDA driver + PyTorch there).
#
#   1. Here (a dev checkout with node_modules):   bash bench/gpu.sh --pack
#      → .bench-tmp/gpu-pack/ (< 64 MiB, git-ignored): xz'd node binary and onnxruntime-node 1.30 (CPU + WebGPU in
#        libonnxruntime.so.1), the bundled benches, the tokenized batches, libvulkan.so.1 if apt can fetch it.
#   2. Copy the checkout plus that folder to the GPU machine, then:   bash bench/gpu.sh [--quick] [--out DIR]
#      → per configuration (4L/256H, 6L/384H; batch 16 × 128): the engine's train step on the CUDA EP, on the WebGPU EP,
#        and PyTorch eager on cuda (same weights, same batch, AdamW), plus the CPU EP as a control.
#        Results: DIR/gpu-results.json and DIR/gpu-results.md (DIR defaults to $OUT, else .bench-tmp/results).
#   --dry-run (any machine): 1 step, 4L/256H, PyTorch on cpu; the CUDA and WebGPU rows run as on a GPU machine, so
#   on one without a GPU they show the recorded failure messages (the graceful path), the cpu row the whole pipeline.
#
# The CUDA EP needs libonnxruntime_providers_cuda.so (+ _shared) of the SAME ORT version beside the node binding.
# onnxruntime-node fetches them only during an online `npm install`; 1.30's are ~230 MB (CUDA 12) and cannot travel
# under 64 MiB. The script therefore looks for them (pack, then a Python onnxruntime-gpu 1.30 install on the machine)
# and, where none is found, records "CUDA EP: provider library absent" and goes on with WebGPU and PyTorch.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACK="${GPU_PACK:-$ROOT/.bench-tmp/gpu-pack}"
CONFIGS="bert-4L-256H,bert-6L-384H"
STEPS=10 WARMUP=3 DRY=0 MODE=run
OUTDIR="${OUT:-$ROOT/.bench-tmp/results}"
while [ $# -gt 0 ]; do
  case "$1" in
    --pack) MODE=pack ;;
    --quick) STEPS=5 WARMUP=2 ;;
    --dry-run) DRY=1 STEPS=1 WARMUP=1 CONFIGS=bert-4L-256H ;;
    --out) OUTDIR="$2"; shift ;;
    *) echo "bench/gpu.sh: unknown option $1 (use --pack, --quick, --dry-run, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done

pack() {
  cd "$ROOT"
  local ort=node_modules/onnxruntime-node bin=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
  [ -f "$bin/libonnxruntime.so.1" ] || { echo "--pack needs $bin (run npm ci here first)" >&2; exit 1; }
  rm -rf "$PACK" && mkdir -p "$PACK/lib" "$PACK/batches"
  node bench/run.mjs --only none --out "$PACK/scratch" >/dev/null   # builds dist/bench/*.js
  rm -rf "$PACK/scratch"
  cp dist/bench/prepare.js dist/bench/trainStep.js dist/bench/forward.js dist/bench/matmul.js "$PACK/"
  # Tokenize here (transformers.js and the vocabulary stay behind): the GPU machine only reads the batch files.
  node dist/bench/prepare.js --work "$PACK/tok" --configs "$CONFIGS" --tokenize-only >/dev/null
  for c in ${CONFIGS//,/ }; do cp "$PACK/tok/$c/batch.json" "$PACK/batches/$c.json"; done
  rm -rf "$PACK/tok"
  tar -C "$ROOT" -cJf "$PACK/ort.tar.xz" "$ort/package.json" "$ort/dist" "$bin" node_modules/onnxruntime-common/package.json node_modules/onnxruntime-common/dist/cjs
  # Node itself: the GPU image is not known to carry one (PyTorch/CUDA image).
  xz -T2 -6 -c "$(command -v node)" > "$PACK/node.xz"
  # WebGPU on Linux goes through Vulkan; the loader is often missing in CUDA images (the NVIDIA ICD comes with the driver).
  if (cd "$PACK/lib" && apt-get download libvulkan1 >/dev/null 2>&1); then
    dpkg-deb -x "$PACK"/lib/libvulkan1_*.deb "$PACK/lib/x" && cp -L "$PACK"/lib/x/usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$PACK/lib/" && rm -rf "$PACK"/lib/x "$PACK"/lib/*.deb
  else
    echo "note: apt-get download libvulkan1 failed; WebGPU will need the machine's own Vulkan loader" >&2
  fi
  du -sh "$PACK"; du -ah "$PACK" | sort -h | tail -8
}

if [ "$MODE" = pack ]; then pack; exit 0; fi

# ---- run (on the GPU machine) -----------------------------------------------------------------------------------
[ -d "$PACK" ] || { echo "bench/gpu.sh: $PACK is missing; run 'bash bench/gpu.sh --pack' on a dev checkout first" >&2; exit 1; }
RT="$(mktemp -d /tmp/ftbench.XXXXXX)"
tar -C "$RT" -xJf "$PACK/ort.tar.xz"
NODE="$(command -v node || true)"; [ -n "${GPU_BENCH_PACKED_NODE:-}" ] && NODE=""   # force the packed node (tests the pack)
if [ -z "$NODE" ] || ! "$NODE" -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  xz -dc "$PACK/node.xz" > "$RT/node" && chmod +x "$RT/node" && NODE="$RT/node"
fi
export NODE_PATH="$RT/node_modules" LD_LIBRARY_PATH="$PACK/lib:${LD_LIBRARY_PATH:-}"
for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$f" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES="$f"; fi
done
BIN="$RT/node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
# The first python3 that imports torch (a pyenv shim may shadow the system one that has it); PYTHON overrides.
PY="${PYTHON:-}"
for cand in python3 /usr/bin/python3 /opt/torch/.venv/bin/python3; do
  [ -n "$PY" ] && break
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' >/dev/null 2>&1; then PY="$(command -v "$cand")"; fi
done
PY="${PY:-python3}"
mkdir -p "$OUTDIR"
LOG="$OUTDIR/gpu-results.log"
: > "$LOG"
note() { echo "$*" | tee -a "$LOG" >&2; }

# CUDA provider: same-version libraries only (ORT refuses others at load time anyway).
CUDA_STATUS="absent"
if [ -f "$BIN/libonnxruntime_providers_cuda.so" ]; then CUDA_STATUS="packed"
else
  cand="$("$PY" - <<'EOF' 2>/dev/null || true
import glob, os
try:
    import onnxruntime as o
    d = os.path.join(os.path.dirname(o.__file__), "capi")
    if o.__version__ == "1.30.0" and glob.glob(os.path.join(d, "libonnxruntime_providers_cuda.so")):
        print(d)
except Exception:
    pass
EOF
)"
  if [ -n "$cand" ]; then cp "$cand"/libonnxruntime_providers_cuda.so "$cand"/libonnxruntime_providers_shared.so "$BIN/" && CUDA_STATUS="from python onnxruntime-gpu ($cand)"; fi
fi
note "node $("$NODE" -v) · ORT $(grep -m1 '"version"' "$RT/node_modules/onnxruntime-node/package.json" | tr -dc '0-9.') · CUDA EP libraries: $CUDA_STATUS"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/gpu: /' | tee -a "$LOG" >&2 || note "gpu: nvidia-smi not available"

WORK="$RT/work"
"$NODE" "$PACK/prepare.js" --work "$WORK" --configs "$CONFIGS" --batches "$PACK/batches" > "$RT/prepare.json" 2>>"$LOG"
RESULTS="$OUTDIR/gpu-results.json"
echo "[" > "$RESULTS"
first=1
record() { # label json (the command's stderr is in $RT/last.err)
  local json="${2:-}"
  cat "$RT/last.err" >> "$LOG" 2>/dev/null || true
  [ -n "$json" ] || json="$("$NODE" -e 'const t=require("fs").readFileSync(process.argv[1],"utf8").trim().split("\n").filter((l)=>l.trim()&&!/^\s+at /.test(l)).slice(-2).join(" | ");console.log(JSON.stringify({error:t||"no output"}))' "$RT/last.err")"
  [ $first = 1 ] || echo "," >> "$RESULTS"
  first=0
  printf '{"label":"%s","result":%s}\n' "$1" "$json" >> "$RESULTS"
  note "$1: $(echo "$json" | head -c 300)"
}
for c in ${CONFIGS//,/ }; do
  D="$WORK/$c"
  common=(--artifacts "$D/artifacts" --batch "$D/batch.json" --warmup "$WARMUP" --steps "$STEPS")
  record "$c ours cpu" "$(timeout 300 "$NODE" "$PACK/trainStep.js" "${common[@]}" --ep cpu 2>"$RT/last.err" | grep "^{" | tail -1 || true)"
  if [ "$CUDA_STATUS" = absent ]; then
    : > "$RT/last.err"
    record "$c ours cuda" '{"error":"CUDA EP: provider library absent (libonnxruntime_providers_cuda.so of ORT 1.30 is fetched only by an online npm install; see bench/gpu.sh header)"}'
  else
    record "$c ours cuda" "$(timeout 300 "$NODE" "$PACK/trainStep.js" "${common[@]}" --ep cuda 2>"$RT/last.err" | grep "^{" | tail -1 || true)"
    # Four steps per run (an ONNX Loop): weights and AdamW state cross the bus once per four steps.
    record "$c ours cuda (4 steps per run)" "$(timeout 300 "$NODE" "$PACK/trainStep.js" "${common[@]}" --ep cuda --steps-per-run 4 2>"$RT/last.err" | grep "^{" | tail -1 || true)"
  fi
  record "$c ours webgpu (weights stay on the GPU)" "$(timeout 300 "$NODE" "$PACK/trainStep.js" "${common[@]}" --ep webgpu 2>"$RT/last.err" | grep "^{" | tail -1 || true)"
  record "$c ours webgpu (weights through the host)" "$(timeout 300 "$NODE" "$PACK/trainStep.js" "${common[@]}" --ep webgpu --resident false 2>"$RT/last.err" | grep "^{" | tail -1 || true)"
  record "$c ours webgpu forward" "$(timeout 120 "$NODE" "$PACK/forward.js" --model "$D/forward.onnx" --batch "$D/batch.json" --ep webgpu --warmup "$WARMUP" --reps "$STEPS" 2>"$RT/last.err" | grep "^{" | tail -1 || true)"
  dev=cuda; [ $DRY = 1 ] && dev=cpu
  record "$c pytorch $dev" "$(OMP_NUM_THREADS=${OMP_NUM_THREADS:-2} timeout 300 "$PY" "$ROOT/test/reference/bench_train_step.py" "$D/model" "$D/batch.json" --device $dev --warmup "$WARMUP" --steps "$STEPS" 2>"$RT/last.err" | grep "^{" | tail -1 || true)"
done
echo "]" >> "$RESULTS"
"$NODE" -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const lines = ["| run | median step (s) | samples/s | peak RSS MiB | note |", "| --- | --- | --- | --- | --- |"];
for (const { label, result: x } of r) {
  const b = 16;
  lines.push(x.error ? `| ${label} | | | | ${String(x.error).slice(0, 140)} |` : `| ${label} | ${(x.medianStepSeconds ?? x.medianSeconds).toFixed(4)} | ${x.medianStepSeconds ? (b / x.medianStepSeconds).toFixed(1) : "(forward only)"} | ${x.peakRssMiB ? x.peakRssMiB.toFixed(0) : ""} | ${x.gpu ?? ""} |`);
}
require("fs").writeFileSync(process.argv[2], lines.join("\n") + "\n");
console.log(lines.join("\n"));' "$RESULTS" "$OUTDIR/gpu-results.md"
rm -rf "$RT"
