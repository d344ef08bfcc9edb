import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyRows } from '../agent/copy_rows.ts';
import { rawColumns } from '../agent/envelope.ts';
import { readLines } from '../agent/lines.ts';
import { withClient } from '../db/setup.ts';
import { demoCsvSource } from '../agent/demo.ts';
import { ensureMixedCorpus } from './corpus.ts';
import { startBenchDatabase, type BenchDatabase } from './database.ts';
import type { Benchmark, Figure } from './types.ts';

const siem = path.resolve(import.meta.dirname, '../bin/siem');

/** Rows of the whole corpus in COPY text format, encoded as the agent does, as one stream. */
async function* encodedCorpus(files: string[]): AsyncGenerator<Buffer> {
  const batchId = '00000000-0000-4000-8000-000000000000';
  const rows = new CopyRows();
  let seq = 0;
  for (const file of files) for await (const lines of readLines(createReadStream(file, { highWaterMark: 1 << 20 }))) {
    const timestamp = new Date();
    for (const line of lines) rows.add({ timestamp, host: 'bench', source: 'bench', raw: line.bytes }, 'bench', batchId, seq++);
    yield* rows.finish();
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

/** Ingests each file of the mixed corpus with its source and returns the streaming seconds in total. */
async function ingestMixed(database: BenchDatabase, files: Record<string, string>, log: (message: string) => void, label: string): Promise<number> {
  let seconds = 0;
  for (const [source, file] of Object.entries(files)) {
    const timing = await siemIngest(database, file, source);
    log(`${label}: siem ingest --source ${source}: ${timing.streamSeconds.toFixed(2)} s`);
    seconds += timing.streamSeconds;
  }
  return seconds;
}

async function storedCounts(database: BenchDatabase) {
  return withClient(database.ownerUrl, async (client) => {
    const { rows } = await client.query<{ events: number; quarantined: number; parsed: number }>(
      `select (select count(*)::int from events) as events, (select count(*)::int from quarantine) as quarantined,
              (select count(*)::int from events where event_type not in ('text', 'syslog', 'json', 'csv_header')) as parsed`,
    );
    return rows[0]!;
  });
}

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: 'siem ingest of a mixed corpus (syslog: sshd/sudo/ufw kv/CEF/RFC 5424; nginx; JSON apps; Windows events; CSV; 10 % garbage), each file with its source, parsing on, vs bare COPY',
  async run({ quick, workDir, log }) {
    const lines = quick ? 100_000 : 1_000_000;
    const rounds = quick ? 1 : 2;
    const files = await ensureMixedCorpus(workDir, lines);
    const database = await startBenchDatabase(workDir);
    // the CSV source learns its header from the first line of its file, which is one more line
    const sent = lines + 1;
    await withClient(database.ownerUrl, (client) => client.query('insert into csv_sources (source) values ($1)', [demoCsvSource.source]));
    try {
      let bareBest = Infinity;
      let parsedBest = Infinity;
      let plainBest = Infinity;
      for (let round = 1; round <= rounds; round++) {
        const bare = await bareCopy(database.ownerUrl, Object.values(files), round);
        log(`round ${round}: bare COPY ${bare.toFixed(2)} s`);
        bareBest = Math.min(bareBest, bare);
        parsedBest = Math.min(parsedBest, await ingestMixed(database, files, log, `round ${round}, parsing on`));
        const stored = await storedCounts(database);
        if (stored.events + stored.quarantined !== sent) throw new Error(`lost lines: sent ${sent}, events ${stored.events}, quarantine ${stored.quarantined}`);
        log(`round ${round}: stored ${stored.events} events (${stored.parsed} named by a parser) + ${stored.quarantined} quarantined = ${sent} lines sent`);
        await withClient(database.ownerUrl, (client) => client.query('truncate events, quarantine'));
      }
      // The same lines without parsing: what parsing costs.
      await withClient(database.ownerUrl, (client) => client.query('update siem_private.ingest_settings set parse = false'));
      plainBest = await ingestMixed(database, files, log, 'parsing off');
      const bareRate = sent / bareBest;
      const figures: Figure[] = [
        { name: 'ingest.bare_copy', value: Math.round(bareRate), unit: 'lines/s', note: 'one COPY of the same lines into an unindexed, trigger-less table shaped like events_raw' },
        { name: 'ingest.siem_ingest', value: Math.round(sent / parsedBest), unit: 'lines/s', note: 'siem ingest per source: events_raw -> parsing trigger -> events (+ quarantine)' },
        { name: 'ingest.ratio', value: Number((bareBest / parsedBest).toFixed(3)), unit: 'ratio', note: 'parsing on / bare COPY; target >= 0.15, aim 0.25' },
        { name: 'ingest.ratio_parse_off', value: Number((bareBest / plainBest).toFixed(3)), unit: 'ratio', note: 'the same with siem_private.ingest_settings.parse = false' },
      ];
      log(`PostgreSQL ${database.serverVersion}`);
      return figures;
    } finally {
      await database.stop();
    }
  },
};
