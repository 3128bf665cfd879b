// GNU time's `-v` report (what /usr/bin/time -v prints on stderr after the command's own output), parsed into the
// figures a row quotes. Its "Maximum resident set size" is the largest single process of the tree: for the CLI, the
// trainer itself (runTraining runs in the CLI's process).

const FIELDS = {
  'Maximum resident set size (kbytes)': 'maxRssKiB',
  'User time (seconds)': 'userSeconds',
  'System time (seconds)': 'systemSeconds',
  'Exit status': 'exitStatus',
};

/** Wall clock "h:mm:ss" or "m:ss.ss" → seconds. */
function clockSeconds(text) {
  return text.split(':').reduce((s, part) => s * 60 + Number(part), 0);
}

/** The -v figures found in `stderr`; throws when the report is missing (the command was not run under time -v). */
export function parseTimeV(stderr) {
  const out = {};
  for (const line of stderr.split('\n')) {
    const m = /^\s*(.+?):\s+(\S.*)$/.exec(line);
    if (!m) continue;
    if (FIELDS[m[1]]) out[FIELDS[m[1]]] = Number(m[2]);
    else if (m[1].startsWith('Elapsed (wall clock) time')) out.wallSeconds = clockSeconds(m[2].trim());
  }
  if (out.maxRssKiB === undefined || out.wallSeconds === undefined) throw new Error(`no /usr/bin/time -v report in the output (last lines: ${stderr.trim().split('\n').slice(-3).join(' | ')})`);
  return { ...out, peakRssMiB: out.maxRssKiB / 1024, cpuSeconds: (out.userSeconds ?? 0) + (out.systemSeconds ?? 0) };
}
