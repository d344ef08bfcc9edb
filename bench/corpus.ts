import { createWriteStream, existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { demoCsvSource, sampleLine, seededRandom, syslogTime, type Random } from '../agent/demo.ts';

/** The sources of the mixed corpus, each written to its own file (the agent sends one source per stream). */
export const sources = ['syslog', 'nginx', 'app', 'windows', 'vpn'] as const;

/** Lines an ingest path must survive: binary, NUL, invalid UTF-8, broken JSON, cut and long lines. */
function garbageLine(random: Random, bsdDay: string): Buffer {
  const kind = Math.floor(random() * 6);
  if (kind === 0) return Buffer.from(Array.from({ length: 40 }, () => Math.floor(random() * 256)).map((b) => (b === 10 ? 32 : b)));
  if (kind === 1) return Buffer.from(`<13>${bsdDay} 00:10:00 h app: value\0with NUL`);
  if (kind === 2) return Buffer.from('{"event_type": "broken", "user": ');
  if (kind === 3) return Buffer.from(`${bsdDay} 00:1`);
  if (kind === 4) return Buffer.concat([Buffer.from('text '), Buffer.from([0xc3, 0x28, 0xff])]);
  return Buffer.from('x'.repeat(2048));
}

/**
 * The demo mix written per source (the agent sends one source per stream), with 10 % garbage. The
 * lines are 10 ms apart from today's UTC midnight, so they land in today's partition as live traffic
 * does: a corpus from an earlier day would land in a finished day's partition, which the worker seals
 * with its search indexes (trigram GIN on message), and the benchmarks that run the worker would
 * measure late data instead. Hence one cached corpus per day.
 */
export async function ensureMixedCorpus(workDir: string, lines: number): Promise<Record<(typeof sources)[number], string>> {
  const start = new Date();
  start.setUTCHours(0, 0, 0, 0);
  const day = start.toISOString().slice(0, 10);
  const files = Object.fromEntries(sources.map((source) => [source, path.join(workDir, `mixed-v4-${day}-${lines}-${source}.log`)])) as Record<(typeof sources)[number], string>;
  if (sources.every((source) => existsSync(files[source]))) return files;
  const random = seededRandom(7);
  const outs = Object.fromEntries(sources.map((source) => [source, createWriteStream(files[source] + '.partial')]));
  // the CSV source's file starts with its header line, as an exported file does
  outs[demoCsvSource.source]!.write(demoCsvSource.header.join(',') + '\n');
  // the BSD syslog form of the day, e.g. 'Nov 25' ('Nov  5' for single digits)
  const bsdDay = syslogTime(start).slice(0, 6);
  for (let i = 0; i < lines; i++) {
    const sample = sampleLine(random, new Date(start.getTime() + i * 10));
    const out = outs[sample.source]!;
    const line = random() < 0.1 ? garbageLine(random, bsdDay) : Buffer.from(sample.line);
    if (!out.write(Buffer.concat([line, Buffer.from('\n')]))) await once(out, 'drain');
  }
  for (const source of sources) {
    outs[source]!.end();
    await once(outs[source]!, 'finish');
    renameSync(files[source] + '.partial', files[source]);
  }
  return files;
}

/**
 * A clean syslog stream (the demo's syslog share: sshd, sudo, ufw, CEF and RFC 5424 lines, no garbage),
 * LF-terminated, as a sender would put it on a TCP connection. The content is deterministic; the
 * timestamps run, one per millisecond, up to `endMs`, so the events land in today's partitions.
 */
export function syslogStream(lines: number, endMs: number): Buffer {
  const random = seededRandom(11);
  const start = endMs - lines;
  const out: string[] = [];
  while (out.length < lines) {
    const sample = sampleLine(random, new Date(start + out.length));
    if (sample.source === 'syslog') out.push(sample.line);
  }
  return Buffer.from(out.join('\n') + '\n');
}
