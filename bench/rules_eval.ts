import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withClient } from '../db/setup.ts';
import { compileRuleFiles, importRules, ruleFiles } from '../db/rules/import.ts';
import { seededRandom } from '../agent/demo.ts';
import { trafficLine } from './drill/traffic.ts';
import { installCompiledRule } from '../db/rules/compiled.ts';
import { loadMapping } from '../db/rules/sigma/mapping.ts';
import { rulesEvaluationPass } from '../worker/tasks/rules__evaluate.ts';
import { cpuSeconds, parentOf } from './cpu.ts';
import { ensureMixedCorpus } from './corpus.ts';
import { startBenchDatabase } from './database.ts';
import { siemIngest } from './ingest.ts';
import type { Benchmark, Figure } from './types.ts';

const sigmaCorpus = path.resolve(import.meta.dirname, '../../shared/corpora/sigma/rules');
const ruleExamples = path.resolve(import.meta.dirname, '../db/rules/examples/alert_rules.yaml');
/** The soak's ingest rate (half the measured maximum on the 2-core machine): the stamps of the generated traffic advance at it. */
const soakRate = 30_000;

/**
 * The soak's rules (the YAML examples: two thresholds, one distinct-count threshold, one sequence)
 * over the soak's traffic, in rounds as the worker sees them: each round ingests `lines` more lines
 * (stamped as if written at the soak rate), then runs one evaluation pass. The window of earlier
 * rounds stays within every rule's window, as in a soak, so later passes show the steady cost.
 */
async function soakRulesRounds(workDir: string, rounds: number, lines: number, log: (message: string) => void): Promise<Figure[]> {
  const database = await startBenchDatabase(workDir);
  try {
    await withClient(database.ownerUrl, (client) => importRules(client, [ruleExamples], loadMapping()));
    const postmaster = await withClient(database.ownerUrl, async (client) => parentOf((await client.query('select pg_backend_pid() as pid')).rows[0].pid));
    const random = seededRandom(0x50a6);
    const start = Date.now() - rounds * (lines / soakRate) * 1000;
    let ingestCpuTotal = 0;
    let evaluationCpuTotal = 0;
    const perPass: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const file = path.join(workDir, `soak-rules-${round}.log`);
      const text = Array.from({ length: lines }, (_, i) => {
        const n = round * lines + i;
        return trafficLine(random, n, new Date(start + (n / soakRate) * 1000));
      });
      writeFileSync(file, text.join('\n') + '\n');
      const cpuBefore = cpuSeconds(postmaster).children + cpuSeconds('self').children;
      await siemIngest(database, file, 'syslog');
      const ingestCpu = cpuSeconds(postmaster).children + cpuSeconds('self').children - cpuBefore;
      const { pass, evaluationCpu, seconds } = await withClient(database.ownerUrl, async (client) => {
        const backend = (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number;
        const cpu = cpuSeconds(backend).own;
        const started = performance.now();
        const pass = await rulesEvaluationPass(client, (message) => log(message));
        return { pass, seconds: (performance.now() - started) / 1000, evaluationCpu: cpuSeconds(backend).own - cpu };
      });
      log(`soak rules, round ${round + 1}: ingest ${lines} lines ${ingestCpu.toFixed(2)} s CPU; pass ${evaluationCpu.toFixed(2)} s CPU (${seconds.toFixed(2)} s wall, ${pass.alerts} alerts raised or repeated)`);
      perPass.push(evaluationCpu);
      // The first round opens the alerts; the steady cost is that of the later ones.
      if (round > 0) {
        ingestCpuTotal += ingestCpu;
        evaluationCpuTotal += evaluationCpu;
      }
    }
    const alerts = await withClient(database.ownerUrl, async (client) => (await client.query('select count(*)::int as n from alerts')).rows[0].n as number);
    log(`soak rules: ${alerts} alerts; CPU per pass ${perPass.map((s) => s.toFixed(2)).join(', ')} s`);
    return [
      { name: 'rules_eval.soak_pass_cpu', value: Number((evaluationCpuTotal / Math.max(rounds - 1, 1)).toFixed(2)), unit: 's', note: `mean CPU of one pass of the soak's YAML rules over ${lines} new soak lines (rounds 2..${rounds}, earlier rounds within the windows)` },
      { name: 'rules_eval.soak_cpu_vs_ingest', value: Number((evaluationCpuTotal / ingestCpuTotal).toFixed(3)), unit: 'ratio', note: 'CPU of those passes / CPU of ingesting the same lines; below 1 with room to spare keeps up on the soak' },
    ];
  } finally {
    await database.stop();
  }
}

/**
 * The CPU an evaluation pass costs, without the noise of concurrent ingest: the mixed corpus is
 * ingested with 100 compiled Sigma rules enabled and no worker, then one evaluation pass (what the
 * rules__evaluate job runs) evaluates every rule over the pending rows. Reported per new row, and as
 * the share of the time ingest itself took (the CPU the worker takes from ingest on a small machine).
 */
export const rulesEvalBenchmark: Benchmark = {
  name: 'rules-eval',
  description: 'one evaluation pass of 100 compiled Sigma rules over the rows of a mixed-corpus ingest (worker stopped while ingesting), per row and vs the ingest time; then the soak\'s YAML rules over soak traffic, pass after pass',
  async run({ quick, workDir, log }) {
    const soakFigures = await soakRulesRounds(workDir, quick ? 5 : 10, quick ? 100_000 : 200_000, log);
    if (!existsSync(sigmaCorpus)) {
      log('Sigma corpus absent: Sigma part skipped');
      return soakFigures;
    }
    const files = await ensureMixedCorpus(workDir, quick ? 100_000 : 300_000);
    const database = await startBenchDatabase(workDir);
    const figures: Figure[] = [...soakFigures];
    try {
      const sigma = compileRuleFiles(['windows/builtin', 'linux'].flatMap((dir) => ruleFiles(path.join(sigmaCorpus, dir))), loadMapping()).compiled.slice(0, 100);
      await withClient(database.ownerUrl, async (client) => {
        for (const { rule } of sigma) await installCompiledRule(client, rule);
      });
      // CPU time, which other jobs on the machine do not inflate as they do wall time: the
      // ingest's is what the server's backends (reaped by the postmaster) and `siem ingest` (reaped
      // by this process) used; the evaluation's is its backend's.
      const postmaster = await withClient(database.ownerUrl, async (client) => parentOf((await client.query('select pg_backend_pid() as pid')).rows[0].pid));
      const cpuBefore = cpuSeconds(postmaster).children + cpuSeconds('self').children;
      let ingestSeconds = 0;
      for (const [source, file] of Object.entries(files)) ingestSeconds += (await siemIngest(database, file, source)).streamSeconds;
      const ingestCpu = cpuSeconds(postmaster).children + cpuSeconds('self').children - cpuBefore;
      const { rows: counted } = await withClient(database.ownerUrl, (client) => client.query<{ n: number }>('select count(*)::int as n from events'));
      const events = counted[0]!.n;
      const { pass, seconds, evaluationCpu } = await withClient(database.ownerUrl, async (client) => {
        const backend = (await client.query('select pg_backend_pid() as pid')).rows[0].pid as number;
        const cpu = cpuSeconds(backend).own;
        const started = performance.now();
        const pass = await rulesEvaluationPass(client, (message) => log(message));
        return { pass, seconds: (performance.now() - started) / 1000, evaluationCpu: cpuSeconds(backend).own - cpu };
      });
      log(`ingest ${ingestSeconds.toFixed(2)} s (${ingestCpu.toFixed(2)} s CPU) for ${events} events; evaluation pass ${seconds.toFixed(2)} s (${evaluationCpu.toFixed(2)} s CPU; ${pass.rules} rules, ${pass.alerts} alerts raised or repeated, ${pass.batched} evaluated set-based)`);
      figures.push(
        { name: 'rules_eval.us_per_row', value: Number(((seconds * 1e6) / events).toFixed(2)), unit: 'µs', note: `one pass of ${sigma.length} Sigma rules over ${events} new events, per event` },
        { name: 'rules_eval.vs_ingest', value: Number((seconds / ingestSeconds).toFixed(3)), unit: 'ratio', note: 'evaluation pass time / ingest time of the same rows' },
        { name: 'rules_eval.cpu_vs_ingest', value: Number((evaluationCpu / ingestCpu).toFixed(3)), unit: 'ratio', note: 'CPU seconds of the evaluation pass / CPU seconds of the ingest (server backends and siem ingest) of the same rows' },
      );
      return figures;
    } finally {
      await database.stop();
    }
  },
};
