import '../bin/env.ts';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { enrichBenchmark } from './enrich.ts';
import { agentBenchmark, agentDrill } from './agent.ts';
import { ingestBenchmark } from './ingest.ts';
import { storageBenchmark } from './storage.ts';
import { alertBenchmark, alertIngestBenchmark } from './alert.ts';
import { rulesEvalBenchmark } from './rules_eval.ts';
import { overviewBenchmark } from './overview.ts';
import { peerBenchmark } from './peer.ts';
import { queryBenchmark } from './query.ts';
import { describeMachine } from './machine.ts';
import type { Benchmark, Figure } from './types.ts';

const benchmarks: Benchmark[] = [ingestBenchmark, enrichBenchmark, storageBenchmark, agentBenchmark, agentDrill, alertBenchmark, alertIngestBenchmark, rulesEvalBenchmark, queryBenchmark, overviewBenchmark, peerBenchmark];
/** Other names a benchmark answers to (not run twice when all run). */
const aliases: Record<string, string> = { rules: 'alert' };
const root = path.resolve(import.meta.dirname, '..');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    record: { type: 'boolean', default: false },
    events: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`usage: npm run bench -- [name ...] [--quick] [--record]

Runs the benchmarks (all, or those named), prints a table and one JSON line per figure.
  --quick   short version (CI smoke)
  --record  append the figures to BENCHMARKS.md
  --events N  events the query benchmark generates (default 10000000; --quick 200000)

benchmarks:
${benchmarks.map((b) => `  ${b.name.padEnd(10)} ${b.description}`).join('\n')}
${Object.entries(aliases).map(([alias, name]) => `  ${alias.padEnd(10)} the same as ${name}`).join('\n')}`);
  process.exit(0);
}

const names = positionals.map((name) => aliases[name] ?? name);
const unknown = names.filter((name) => !benchmarks.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (known: ${benchmarks.map((b) => b.name).join(', ')})`);
  process.exit(2);
}
const selected = names.length > 0 ? benchmarks.filter((b) => names.includes(b.name)) : benchmarks;
const workDir = path.join(root, '.bench');
mkdirSync(workDir, { recursive: true });

const machine = describeMachine();
const command = `npm run bench -- ${process.argv.slice(2).filter((a) => a !== '--record').join(' ')}`.trim();
const events = values.events === undefined ? undefined : Number(values.events.replaceAll('_', ''));
if (events !== undefined && !(Number.isInteger(events) && events >= 1000)) {
  console.error('--events must be a whole number of at least 1000');
  process.exit(2);
}
const results: Figure[] = [];
/** Benchmarks that threw: reported, recorded, and the exit status, but the others still run. */
const failures: { name: string; error: string }[] = [];
for (const benchmark of selected) {
  console.log(`== ${benchmark.name}: ${benchmark.description}`);
  const started = performance.now();
  try {
    const figures = await benchmark.run({ quick: values.quick, events, workDir, log: (message) => console.log(`   ${message}`) });
    results.push(...figures);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`   FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
    failures.push({ name: benchmark.name, error: message.split('\n')[0]! });
  }
  console.log(`   (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

console.log('');
console.log(`${'figure'.padEnd(22)} ${'value'.padStart(12)}  unit      note`);
for (const figure of results) {
  console.log(`${figure.name.padEnd(22)} ${String(figure.value).padStart(12)}  ${figure.unit.padEnd(8)}  ${figure.note}`);
}
for (const failure of failures) console.log(`${failure.name.padEnd(22)} ${'FAILED'.padStart(12)}            ${failure.error}`);
const date = new Date().toISOString();
for (const figure of results) console.log(JSON.stringify({ ...figure, date, commit: machine.commit, quick: values.quick }));

if (values.record) {
  const file = path.join(root, 'BENCHMARKS.md');
  if (!existsSync(file)) writeFileSync(file, '# Benchmarks\n\nRecorded by `npm run bench -- --record`; newest last. Ratios are against a baseline measured in the same run.\n');
  const rows = results.map((f) => `| ${f.name} | ${f.value} ${f.unit} | ${f.note} |`).join('\n');
  appendFileSync(
    file,
    `\n## ${date.slice(0, 10)} · ${selected.map((b) => b.name).join(', ')}${values.quick ? ' (quick)' : ''}\n\n` +
      `- command: \`${command}\`\n- commit: ${machine.commit}\n- machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}\n\n` +
      `| figure | value | what |\n|---|---|---|\n${rows}\n` +
      failures.map((f) => `\n- ${f.name} failed: ${f.error}\n`).join(''),
  );
  console.log(`recorded in ${path.relative(root, file)}`);
}
if (failures.length > 0) process.exit(1);
