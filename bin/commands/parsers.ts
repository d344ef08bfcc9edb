import { readFileSync, writeFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { withOwner } from './with_owner.ts';
import { ParserFileError, parseParsersYaml, parsersToYaml, type ParserRow } from '../../db/parsers_yaml.ts';

export async function parsersImportCommand(config: Config, file: string): Promise<void> {
  let definitions;
  try {
    definitions = parseParsersYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof ParserFileError) throw new ParserFileError(`${file}: ${error.message}`);
    throw error;
  }
  const count = await withOwner(config, async (client) => {
    const { rows } = await client.query<{ count: number }>('select public.import_parsers($1::jsonb) as count', [JSON.stringify(definitions)]);
    return rows[0]!.count;
  });
  console.log(`imported ${count} parsers from ${file}`);
}

export async function parsersExportCommand(config: Config, options: { file?: string }): Promise<void> {
  const rows = await withOwner(config, async (client) => {
    const result = await client.query<ParserRow>(
      `select name, source, program, pattern, event_type, priority,
              nullif(prefilter, siem_private.grok_literal_prefix(pattern)) as prefilter, enabled, kind, naming
       from public.parsers order by priority, name`,
    );
    return result.rows;
  });
  const yaml = parsersToYaml(rows);
  if (options.file) {
    writeFileSync(options.file, yaml);
    console.error(`exported ${rows.length} parsers to ${options.file}`);
  } else {
    process.stdout.write(yaml);
  }
}
