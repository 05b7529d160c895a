// The CLI as the apply and fault tests run it: the agent's keys in the environment (a secret that must never
// be printed), --json parsed, and the checks every such run gets — no secret and no stack trace on its output.
import assert from 'node:assert/strict';
import { runCli, type CliResult } from './cli.js';

export const SECRET = 'testSecretKeyThatMustNeverBePrinted01234';
export const ENV = { AWS_ACCESS_KEY_ID: 'AKIATESTKEY000000001', AWS_SECRET_ACCESS_KEY: SECRET };
export const CONF = '/etc/awslogs/awslogs.conf';
export const CLI_CONF = '/etc/awslogs/awscli.conf';

export interface JsonHost {
  name: string;
  status: string;
  changes: { kind: string; path?: string; summary: string; diff?: string }[];
  error?: { message: string; hint?: string };
}
export interface JsonRun {
  run: string;
  hosts: JsonHost[];
  summary: Record<string, number>;
}

/** `provision ARGV` with ENV; its --json report, or undefined when stdout is not JSON. */
export async function runJson(argv: string[], timeoutMs = 240_000): Promise<CliResult & { json?: JsonRun }> {
  const result = await runCli(argv, { env: ENV, timeoutMs });
  assert.ok(!result.stdout.includes(SECRET) && !result.stderr.includes(SECRET), 'the secret key was printed');
  assert.doesNotMatch(result.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed:\n${result.stderr}`);
  try {
    return { ...result, json: JSON.parse(result.stdout) as JsonRun };
  } catch {
    return result;
  }
}

export function hostOf(run: JsonRun | undefined, name: string): JsonHost | undefined {
  return run?.hosts.find((h) => h.name === name);
}

export function statuses(run: JsonRun | undefined): Record<string, string> {
  return Object.fromEntries((run?.hosts ?? []).map((h) => [h.name, h.status]));
}
