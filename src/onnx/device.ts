// Chooses the onnxruntime execution provider for a run and says why. Never falls back silently: an explicit `cuda` or
// `webgpu` that cannot start is an error; `auto` falls back to CPU only with the reason it could not use CUDA.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ortTypes from 'onnxruntime-node';
import { GraphBuilder } from './builder';
import { DEFAULT_IR_VERSION, DEFAULT_OPSET } from './ir';
import { modelToBytes } from './serialize';

export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';

/** finetuneStudio.device: a provider, or auto (CUDA when it loads, else the CPU). */
export type DeviceSetting = 'auto' | ExecutionProvider;

export interface DeviceChoice {
  executionProvider: ExecutionProvider;
  reason: string;
}

type Ort = typeof ortTypes;

/** Folder holding onnxruntime-node's native binding for this platform (the CUDA provider library must sit beside it). */
export function ortBinaryDir(ort: Ort): string {
  const pkg = path.dirname(require.resolve('onnxruntime-node/package.json'));
  const napi = fs.readdirSync(path.join(pkg, 'bin')).find((d) => d.startsWith('napi-')) ?? 'napi-v6';
  void ort;
  return path.join(pkg, 'bin', napi, process.platform, process.arch);
}

function cudaLibraryPath(ort: Ort): string {
  const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  return path.join(ortBinaryDir(ort), lib);
}

/** A one-node model, to prove an execution provider really starts before committing a run to it. */
function probeModel(): Uint8Array {
  const b = new GraphBuilder('probe');
  b.input('x', 'float32', [2]);
  b.op('Add', ['x', 'x'], {}, { output: 'y' });
  b.output('y', 'float32', [2]);
  return modelToBytes({ graph: b.build(), opsetImports: [{ domain: '', version: DEFAULT_OPSET }], irVersion: DEFAULT_IR_VERSION, producerName: 'finetune-studio' });
}

async function tryProvider(ort: Ort, ep: 'cuda' | 'webgpu'): Promise<string | undefined> {
  try {
    const s = await ort.InferenceSession.create(probeModel(), { executionProviders: [ep] });
    const out = await s.run({ x: new ort.Tensor('float32', new Float32Array([1, 2]), [2]) });
    await s.release();
    const y = out.y.data as Float32Array;
    return y[1] === 4 ? undefined : `the ${ep} provider returned a wrong result`;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

export async function chooseDevice(ort: Ort, setting: DeviceSetting = 'auto'): Promise<DeviceChoice> {
  switch (setting) {
    case 'cpu':
      return { executionProvider: 'cpu', reason: 'finetuneStudio.device is "cpu"' };
    case 'cuda': {
      if (!fs.existsSync(cudaLibraryPath(ort))) {
        throw new Error(
          `finetuneStudio.device is "cuda" but ${cudaLibraryPath(ort)} is missing. onnxruntime-node downloads its CUDA provider during ` +
            '`npm install` on Linux x64 when online (ONNXRUNTIME_NODE_INSTALL=cuda12 forces it). Set the device to "auto" or "cpu" to train on the CPU.',
        );
      }
      const err = await tryProvider(ort, 'cuda');
      if (err) throw new Error(`finetuneStudio.device is "cuda" but the CUDA provider did not start: ${err}. Check the CUDA 12 and cuDNN 9 libraries, or set the device to "cpu".`);
      return { executionProvider: 'cuda', reason: 'finetuneStudio.device is "cuda"' };
    }
    case 'webgpu': {
      const err = await tryProvider(ort, 'webgpu');
      if (err) throw new Error(`finetuneStudio.device is "webgpu" but the WebGPU provider did not start: ${err}. A Vulkan (Linux), Metal or D3D12 driver is needed.`);
      return { executionProvider: 'webgpu', reason: 'finetuneStudio.device is "webgpu"' };
    }
    case 'auto': {
      if (!fs.existsSync(cudaLibraryPath(ort))) {
        return { executionProvider: 'cpu', reason: 'auto: no CUDA provider library next to onnxruntime-node (it is fetched by an online install on Linux x64)' };
      }
      const err = await tryProvider(ort, 'cuda');
      return err
        ? { executionProvider: 'cpu', reason: `auto: the CUDA provider is installed but did not start (${err})` }
        : { executionProvider: 'cuda', reason: 'auto: the CUDA provider loaded and ran a probe' };
    }
    default:
      throw new Error(`finetuneStudio.device must be one of auto, cpu, cuda, webgpu; got "${String(setting)}"`);
  }
}
