import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { sampleLine, seededRandom, type Random } from '../agent/demo.ts';
import { withClient } from '../db/setup.ts';
import { startBenchDatabase } from './database.ts';
import { bareCopy, siemIngest } from './ingest.ts';
import type { Benchmark, Figure } from './types.ts';

const sources = ['syslog', 'nginx', 'app'] as const;

/** Lines an ingest path must survive: binary, NUL, invalid UTF-8, broken JSON, cut and long lines. */
function garbageLine(random: Random): Buffer {
  const kind = Math.floor(random() * 6);
  if (kind === 0) return Buffer.from(Array.from({ length: 40 }, () => Math.floor(random() * 256)).map((b) => (b === 10 ? 32 : b)));
  if (kind === 1) return Buffer.from('<13>Nov 24 10:00:00 h app: value\0with NUL');
  if (kind === 2) return Buffer.from('{"event_type": "broken", "user": ');
  if (kind === 3) return Buffer.from('Nov 24 10:0');
  if (kind === 4) return Buffer.concat([Buffer.from('text '), Buffer.from([0xc3, 0x28, 0xff])]);
  return Buffer.from('x'.repeat(2048));
}

/** The demo mix written per source (the agent sends one source per stream), with 10 % garbage. */
async function ensureMixedCorpus(workDir: string, lines: number): Promise<Record<(typeof sources)[number], string>> {
  const files = Object.fromEntries(sources.map((source) => [source, path.join(workDir, `parse-${lines}-${source}.log`)])) as Record<(typeof sources)[number], string>;
  if (sources.every((source) => existsSync(files[source]))) return files;
  const random = seededRandom(7);
  const outs = Object.fromEntries(sources.map((source) => [source, createWriteStream(files[source] + '.partial')]));
  const start = Date.UTC(2026, 10, 24, 0, 0, 0);
  for (let i = 0; i < lines; i++) {
    const sample = sampleLine(random, new Date(start + i * 10));
    const out = outs[sample.source]!;
    const line = random() < 0.1 ? garbageLine(random) : Buffer.from(sample.line);
    if (!out.write(Buffer.concat([line, Buffer.from('\n')]))) await once(out, 'drain');
  }
  for (const source of sources) {
    outs[source]!.end();
    await once(outs[source]!, 'finish');
    renameSync(files[source] + '.partial', files[source]);
  }
  return files;
}

export const parseBenchmark: Benchmark = {
  name: 'parse',
  description: 'ingest with parsing: mixed syslog/nginx/JSON corpus with 10 % garbage, each file with its source, vs bare COPY',
  async run({ quick, workDir, log }) {
    const lines = quick ? 100_000 : 1_000_000;
    const files = await ensureMixedCorpus(workDir, lines);
    const database = await startBenchDatabase(workDir);
    try {
      await withClient(database.ownerUrl, (client) => client.query('update siem_private.ingest_settings set parse = true'));
      const bare = await bareCopy(database.ownerUrl, Object.values(files), 1);
      let streaming = 0;
      for (const source of sources) {
        const timing = await siemIngest(database, files[source], source);
        log(`siem ingest --source ${source}: ${timing.streamSeconds.toFixed(2)} s`);
        streaming += timing.streamSeconds;
      }
      const stored = await withClient(database.ownerUrl, async (client) => {
        const { rows } = await client.query<{ events: number; quarantined: number; parsed: number }>(
          `select (select count(*)::int from events) as events, (select count(*)::int from quarantine) as quarantined,
                  (select count(*)::int from events where event_type not in ('text', 'syslog', 'json')) as parsed`,
        );
        return rows[0]!;
      });
      if (stored.events + stored.quarantined !== lines) throw new Error(`lost lines: sent ${lines}, events ${stored.events}, quarantine ${stored.quarantined}`);
      log(`bare COPY ${bare.toFixed(2)} s; stored ${stored.events} events (${stored.parsed} by a parser) + ${stored.quarantined} quarantined = ${lines}`);
      const bareRate = lines / bare;
      const rate = lines / streaming;
      const figures: Figure[] = [
        { name: 'parse.bare_copy', value: Math.round(bareRate), unit: 'lines/s', note: 'one COPY of the same lines into a bare table' },
        { name: 'parse.siem_ingest', value: Math.round(rate), unit: 'lines/s', note: 'siem ingest per source, parsing on (JSON, BSD syslog, grok, access log split)' },
        { name: 'parse.ratio', value: Number((rate / bareRate).toFixed(3)), unit: 'ratio', note: 'target >= 0.15, aim 0.25' },
        { name: 'parse.parsed_share', value: Number((stored.parsed / lines).toFixed(3)), unit: 'ratio', note: 'lines a parser named (not text/syslog/json)' },
      ];
      return figures;
    } finally {
      await database.stop();
    }
  },
};
