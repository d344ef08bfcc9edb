import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import YAML from 'yaml';
import { installCompiledRule, type CompiledRule } from './compiled.ts';
import { compileSigma, sigmaDocuments } from './sigma/compile.ts';
import type { SigmaMapping } from './sigma/mapping.ts';
import { RuleCompileError } from './sql.ts';
import { compileYamlRule, parseYamlRules } from './yaml_rules.ts';

export interface ImportFailure {
  file: string;
  title: string;
  error: string;
}

export interface ImportReport {
  compiled: number;
  failed: number;
  installed: string[];
  failures: ImportFailure[];
}

/** The .yml/.yaml files of a file or directory, recursively, in a stable order. */
export function ruleFiles(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(target, entry.name);
      if (entry.isDirectory()) return ruleFiles(full);
      return /\.ya?ml$/i.test(entry.name) ? [full] : [];
    });
}

function isSigma(text: string): boolean {
  return /^(detection|correlation):/m.test(text);
}

/** One rule file's text and the name it is reported under. */
export interface RuleText {
  file: string;
  text: string;
}

/** Compiles every rule of the files: Sigma (detection/correlation documents) and our YAML rules. */
export function compileRuleFiles(files: string[], mapping: SigmaMapping): { compiled: { file: string; rule: CompiledRule }[]; failures: ImportFailure[] } {
  return compileRuleTexts(files.map((file) => ({ file, text: readFileSync(file, 'utf8') })), mapping);
}

/** Compiles rule texts (as read from files, or pasted into the web UI). */
export function compileRuleTexts(texts: RuleText[], mapping: SigmaMapping): { compiled: { file: string; rule: CompiledRule }[]; failures: ImportFailure[] } {
  const compiled: { file: string; rule: CompiledRule }[] = [];
  const failures: ImportFailure[] = [];
  const sigma: ReturnType<typeof sigmaDocuments> = [];
  for (const { file, text } of texts) {
    try {
      if (isSigma(text)) {
        sigma.push(...sigmaDocuments(file, text));
        continue;
      }
      for (const { name, spec, definition } of parseYamlRules(text)) {
        try {
          compiled.push({ file, rule: compileYamlRule(name, spec, definition) });
        } catch (error) {
          failures.push({ file, title: name, error: (error as Error).message });
        }
      }
    } catch (error) {
      if (!(error instanceof RuleCompileError) && !(error instanceof YAML.YAMLError)) throw error;
      failures.push({ file, title: path.basename(file), error: error.message });
    }
  }
  for (const result of compileSigma(sigma, mapping)) {
    if (result.compiled) compiled.push({ file: result.file, rule: result.compiled });
    else failures.push({ file: result.file, title: result.title, error: result.error! });
  }
  return { compiled, failures };
}

/** Compiles and installs rules; each rule in its own transaction, so one bad rule does not stop the rest. */
export async function importRules(client: pg.ClientBase, files: string[], mapping: SigmaMapping, options: { enabled?: boolean } = {}): Promise<ImportReport> {
  return installRules(client, compileRuleFiles(files, mapping), options);
}

/** Installs compiled rules, each in its own transaction, adding install failures to the compile failures. */
export async function installRules(
  client: pg.ClientBase,
  { compiled, failures }: ReturnType<typeof compileRuleTexts>,
  options: { enabled?: boolean } = {},
): Promise<ImportReport> {
  const installed: string[] = [];
  for (const { file, rule } of compiled) {
    if (options.enabled === false) rule.rule.enabled = false;
    try {
      await client.query('begin');
      await installCompiledRule(client, rule);
      await client.query('commit');
      installed.push(rule.rule.name);
    } catch (error) {
      await client.query('rollback');
      failures.push({ file, title: rule.rule.title, error: `install: ${(error as Error).message}` });
    }
  }
  return { compiled: installed.length, failed: failures.length, installed, failures };
}
