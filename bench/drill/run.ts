import '../../bin/env.ts';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { archiveDrill } from './archive.ts';
import { fuzzDrill } from './fuzz.ts';
import { killDrill } from './kill.ts';
import { soakDrill } from './soak.ts';
import { spoolDrill } from './spool.ts';
import type { Drill, DrillResult } from './types.ts';

/** `npm run drill` runs the fault drills (not the soak, which is long); name them to run some, or `soak`. */
const drills: Drill[] = [killDrill, spoolDrill, archiveDrill, fuzzDrill, soakDrill];
const byDefault = ['kill', 'spool', 'archive', 'fuzz'];
const root = path.resolve(import.meta.dirname, '../..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    seed: { type: 'string', default: '20261124' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`usage: npm run drill -- [name ...] [--quick] [--seed N] [--rate LINES_PER_S] [--seconds N]

Fault drills: each prints what was sent, what is in events and in quarantine, and the duplicates, and
the command exits 1 unless every drill run accounts for every line exactly once. Without names it
runs ${byDefault.join(', ')}; the soak runs only when named.
  --quick    shorter versions (CI smoke)
  --seed N   seed of the drills' random traffic (default 20261124): the same seed, the same run
  --rate N   soak: lines/s to ingest (default: half the maximum the whole pipeline sustains, measured first)
  --seconds N  soak: how long (default 600; --quick 60)

drills:
${drills.map((d) => `  ${d.name.padEnd(8)} ${d.description}`).join('\n')}`);
  process.exit(0);
}

const unknown = positionals.filter((name) => !drills.some((d) => d.name === name));
if (unknown.length > 0) {
  console.error(`unknown drill: ${unknown.join(', ')} (known: ${drills.map((d) => d.name).join(', ')})`);
  process.exit(2);
}
const selected = drills.filter((d) => (positionals.length > 0 ? positionals.includes(d.name) : byDefault.includes(d.name)));
const workDir = path.join(root, '.bench');
mkdirSync(workDir, { recursive: true });
const seed = Number(values.seed);
const number = (text: string | undefined) => (text === undefined ? undefined : Number(text.replaceAll('_', '')));
const options = { rate: number(values.rate), seconds: number(values.seconds) };

const results: { drill: Drill; result: DrillResult }[] = [];
for (const drill of selected) {
  console.log(`== ${drill.name}: ${drill.description}`);
  const started = performance.now();
  let result: DrillResult;
  try {
    result = await drill.run({ quick: values.quick, seed, workDir, options, log: (message) => console.log(`   ${message}`) });
  } catch (error) {
    result = { ok: false, summary: [`error: ${(error as Error).stack ?? error}`], figures: [] };
  }
  for (const line of result.summary) console.log(`   ${line}`);
  console.log(`   ${result.ok ? 'PASSED' : 'FAILED'} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  results.push({ drill, result });
}

console.log('');
for (const { drill, result } of results) console.log(`${result.ok ? 'passed' : 'FAILED'}  ${drill.name}`);
const date = new Date().toISOString();
for (const { result } of results) for (const figure of result.figures) console.log(JSON.stringify({ ...figure, date, seed, quick: values.quick }));
const failed = results.filter((r) => !r.result.ok).length;
console.log(`drills: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
