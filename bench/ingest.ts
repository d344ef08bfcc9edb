import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { encodeRawRow, rawColumns } from '../agent/envelope.ts';
import { readLines } from '../agent/lines.ts';
import { withClient } from '../db/setup.ts';
import { ensureCorpus } from './corpus.ts';
import { startBenchDatabase } from './database.ts';
import type { Benchmark, Figure } from './types.ts';

const siem = path.resolve(import.meta.dirname, '../bin/siem');

/** Rows of the whole corpus in COPY text format, encoded as the agent does, as one stream. */
async function* encodedCorpus(files: string[]): AsyncGenerator<string> {
  const batchId = '00000000-0000-4000-8000-000000000000';
  let seq = 0;
  for (const file of files) for await (const lines of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    const iso = new Date().toISOString();
    let chunk = '';
    for (const line of lines) chunk += encodeRawRow({ timestamp: new Date(), host: 'bench', source: 'bench', raw: line.bytes }, 'bench', batchId, seq++, iso);
    yield chunk;
  }
}

/** The ceiling: one COPY into a table shaped like events_raw with no index, trigger or partition. */
export async function bareCopy(ownerUrl: string, files: string[], run: number): Promise<number> {
  return withClient(ownerUrl, async (client) => {
    const table = `bench_bare_${run}`;
    await client.query(`create table ${table} (like public.events_raw including defaults including identity)`);
    const started = performance.now();
    await pipeline(Readable.from(encodedCorpus(files)), client.query(copyFrom(`copy ${table} (${rawColumns.join(', ')}) from stdin`)));
    const seconds = (performance.now() - started) / 1000;
    await client.query(`drop table ${table}`);
    return seconds;
  });
}

export interface IngestTiming {
  /** Whole command, process start to exit. */
  wallSeconds: number;
  /** First line read to last batch committed, as `siem ingest` reports it. */
  streamSeconds: number;
}

/** The full path, exactly as a user runs it: `siem ingest <file> --source bench` in its own process. */
export async function siemIngest(database: { ownerUrl: string; agentUrl: string; dataDir: string }, file: string, source = 'bench'): Promise<IngestTiming> {
  const env = { ...process.env, DATABASE_URL: database.ownerUrl, SIEM_AGENT_DATABASE_URL: database.agentUrl, SIEM_DATA_DIR: database.dataDir };
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(siem, ['ingest', file, '--source', source, '--host', 'bench', '--no-progress'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`siem ingest exited with code ${code}`))));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const reported = stdout.match(/ in ([\d.]+) s: \d+ lines\/s/);
  if (!reported) throw new Error(`unexpected output from siem ingest: ${stdout}`);
  return { wallSeconds, streamSeconds: Number(reported[1]) };
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: 'COPY ingest: bare COPY ceiling vs `siem ingest` into events_raw -> trigger -> events',
  async run({ quick, workDir, log }) {
    const lines = quick ? 100_000 : 1_000_000;
    const rounds = quick ? 1 : 2;
    const corpus = await ensureCorpus(workDir, lines);
    log(`corpus: ${lines} lines, ${(corpus.bytes / 2 ** 20).toFixed(1)} MiB (${corpus.file})`);
    const database = await startBenchDatabase(workDir);
    try {
      let bareBest = Infinity;
      let fullBest = Infinity;
      let wallBest = Infinity;
      for (let round = 1; round <= rounds; round++) {
        const bare = await bareCopy(database.ownerUrl, [corpus.file], round);
        log(`round ${round}: bare COPY ${bare.toFixed(2)} s`);
        const full = await siemIngest(database, corpus.file);
        log(`round ${round}: siem ingest ${full.streamSeconds.toFixed(2)} s streaming, ${full.wallSeconds.toFixed(2)} s with process start`);
        bareBest = Math.min(bareBest, bare);
        fullBest = Math.min(fullBest, full.streamSeconds);
        wallBest = Math.min(wallBest, full.wallSeconds);
      }
      const stored = await withClient(database.ownerUrl, async (client) => {
        const { rows } = await client.query<{ events: number; quarantined: number }>(
          "select (select count(*)::int from events where source = 'bench') as events, (select count(*)::int from quarantine where source = 'bench') as quarantined",
        );
        return rows[0]!;
      });
      const expected = lines * rounds;
      if (stored.events + stored.quarantined !== expected) {
        throw new Error(`lost lines: sent ${expected}, events ${stored.events}, quarantine ${stored.quarantined}`);
      }
      log(`stored: ${stored.events} events + ${stored.quarantined} quarantined = ${expected} lines sent (PostgreSQL ${database.serverVersion})`);
      const bareRate = lines / bareBest;
      const fullRate = lines / fullBest;
      const figures: Figure[] = [
        { name: 'ingest.bare_copy', value: Math.round(bareRate), unit: 'lines/s', note: 'one COPY, unindexed trigger-less table shaped like events_raw' },
        { name: 'ingest.siem_ingest', value: Math.round(fullRate), unit: 'lines/s', note: 'siem ingest: batches -> events_raw -> trigger -> events (+ quarantine)' },
        { name: 'ingest.ratio', value: Number((fullRate / bareRate).toFixed(3)), unit: 'ratio', note: 'full path / bare COPY (streaming), target >= 0.3' },
        {
          name: 'ingest.ratio_wall',
          value: Number((lines / wallBest / bareRate).toFixed(3)),
          unit: 'ratio',
          note: 'the same including siem ingest\'s process start (Node boot, DB checks)',
        },
      ];
      return figures;
    } finally {
      await database.stop();
    }
  },
};
