// Interleaved measurement: several bench children (bench/lib/serve.ts protocol, also spoken by
// test/reference/bench_train_step.py --serve) set up side by side, then take turns, one timed unit each, in
// alternating order (A B C, C B A, …). On a machine whose load swings by minutes, back-to-back runs compare
// different loads; turns of one step each compare the same one.
import { spawn } from 'node:child_process';
import * as readline from 'node:readline';

function server(spec, cwd) {
  const p = spawn(spec.cmd, spec.args, { cwd, env: { ...process.env, ...(spec.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-20000);
  });
  const queue = [];
  const waiters = [];
  let exit;
  const fail = () => new Error(`${spec.label} exited (${exit}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  readline.createInterface({ input: p.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const v = JSON.parse(line);
    if (waiters.length) waiters.shift().resolve(v);
    else queue.push(v);
  });
  p.on('close', (code, signal) => {
    exit = signal ?? code;
    for (const w of waiters.splice(0)) w.reject(fail());
  });
  p.stdin.on('error', () => undefined);
  return {
    label: spec.label,
    next: () => (queue.length ? Promise.resolve(queue.shift()) : exit !== undefined ? Promise.reject(fail()) : new Promise((resolve, reject) => waiters.push({ resolve, reject }))),
    send: (cmd) => p.stdin.write(`${cmd}\n`),
    kill: () => p.kill('SIGKILL'),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length ? (s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) : NaN;
};

/**
 * Runs `specs` ({label, cmd, args, env}) interleaved: warmup + steps turns each. Returns one result per spec:
 * the ready line's fields, per-turn timings (warm-up excluded), medians, every loss, peak RSS; or {error}.
 */
export async function interleaved(specs, { warmup, steps, cwd, log = () => undefined }) {
  // Started one after another, each once the previous is ready: set-up (and the engine's timed choice of threads)
  // then runs on an otherwise quiet machine, as it would for a user.
  const servers = [];
  try {
    const ready = [];
    for (const spec of specs) {
      const s = server(spec, cwd);
      servers.push(s);
      ready.push(await s.next());
    }
    log(`ready: ${specs.map((s) => s.label).join(', ')}`);
    const turns = servers.map(() => []);
    const losses = servers.map(() => []);
    for (let i = 0; i < warmup + steps; i++) {
      const order = servers.map((_, k) => k);
      if (i % 2) order.reverse();
      for (const k of order) {
        servers[k].send('run');
        const r = await servers[k].next();
        if (r.error) throw new Error(`${specs[k].label}: ${r.error}`);
        if (r.loss !== undefined) losses[k].push(r.loss);
        if (i >= warmup) turns[k].push(r);
      }
      log(`turn ${i + 1}/${warmup + steps}${i < warmup ? ' (warm-up)' : ''}`);
    }
    const finals = [];
    for (const s of servers) {
      s.send('exit');
      finals.push(await s.next());
    }
    return specs.map((_, k) => {
      const seconds = turns[k].map((t) => t.seconds);
      const cpuSeconds = turns[k].map((t) => t.cpuSeconds);
      return {
        ...ready[k], ready: undefined, stepSeconds: seconds, cpuSeconds, medianStepSeconds: median(seconds), medianSeconds: median(seconds),
        medianCpuSeconds: median(cpuSeconds), losses: losses[k], peakRssMiB: finals[k].peakRssMiB,
      };
    });
  } catch (e) {
    for (const s of servers) s.kill();
    return specs.map(() => ({ error: e.message }));
  }
}
