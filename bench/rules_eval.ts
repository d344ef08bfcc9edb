import { existsSync } from 'node:fs';
import path from 'node:path';
import { withClient } from '../db/setup.ts';
import { compileRuleFiles, ruleFiles } from '../db/rules/import.ts';
import { installCompiledRule } from '../db/rules/compiled.ts';
import { loadMapping } from '../db/rules/sigma/mapping.ts';
import { rulesEvaluationPass } from '../worker/tasks/rules__evaluate.ts';
import { cpuSeconds, parentOf } from './cpu.ts';
import { ensureMixedCorpus } from './corpus.ts';
import { startBenchDatabase } from './database.ts';
import { siemIngest } from './ingest.ts';
import type { Benchmark, Figure } from './types.ts';

const sigmaCorpus = path.resolve(import.meta.dirname, '../../shared/corpora/sigma/rules');

/**
 * The CPU an evaluation pass costs, without the noise of concurrent ingest: the mixed corpus is
 * ingested with 100 compiled Sigma rules enabled and no worker, then one evaluation pass (what the
 * rules__evaluate job runs) evaluates every rule over the pending rows. Reported per new row, and as
 * the share of the time ingest itself took (the CPU the worker takes from ingest on a small machine).
 */
export const rulesEvalBenchmark: Benchmark = {
  name: 'rules-eval',
  description: 'one evaluation pass of 100 compiled Sigma rules over the rows of a mixed-corpus ingest (worker stopped while ingesting), per row and vs the ingest time',
  async run({ quick, workDir, log }) {
    if (!existsSync(sigmaCorpus)) {
      log('Sigma corpus absent: skipped');
      return [];
    }
    const files = await ensureMixedCorpus(workDir, quick ? 100_000 : 300_000);
    const database = await startBenchDatabase(workDir);
    const figures: Figure[] = [];
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
