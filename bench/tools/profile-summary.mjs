// Summarises a V8 .cpuprofile by where the self time goes: each node_modules package, the project's
// own code by folder, node internals, GC and idle. Usage: node bench/tools/profile-summary.mjs file.cpuprofile
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const selfMicros = new Map();
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const deltas = profile.timeDeltas;
for (let index = 0; index < profile.samples.length; index++) {
  const node = byId.get(profile.samples[index]);
  const bucket = bucketOf(node.callFrame);
  selfMicros.set(bucket, (selfMicros.get(bucket) ?? 0) + (deltas[index] ?? 0));
}
function bucketOf({ url, functionName }) {
  if (!url)
    return functionName === '(garbage collector)'
      ? '(gc)'
      : functionName === '(idle)'
        ? '(idle)'
        : functionName === '(program)'
          ? '(program)'
          : '(native)';
  const module = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1];
  if (url.startsWith('node:')) return 'node internals';
  const project = /\/(libs|apps|bench)\/([^/]+)/.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
}
const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);
const busy = total - (selfMicros.get('(idle)') ?? 0);
console.log(`| where | self time ms | share of busy time |`);
console.log(`|---|---:|---:|`);
for (const [bucket, micros] of [...selfMicros].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  if (bucket === '(idle)') continue;
  console.log(
    `| ${bucket} | ${(micros / 1000).toFixed(0)} | ${((micros / busy) * 100).toFixed(1)}% |`,
  );
}
console.log(`\nbusy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled`);
