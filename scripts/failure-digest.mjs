// The failures of one or more TAP files, each with its error, and the lab's diagnostics: printed last by
// scripts/test.sh, so that the end of a long CI log says what failed and why.
// Usage: node scripts/failure-digest.mjs FILE.tap [FILE.tap ...]
import { readFileSync } from 'node:fs';
import process from 'node:process';
import console from 'node:console';

const MAX_LINES = 220;
const out = [];
let cancelled = 0;
for (const file of process.argv.slice(2)) {
  let lines;
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    continue;
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const diag = /^\s*# (lab up|lab status|lab down)/.exec(line);
    if (diag) {
      out.push(`${file}: ${line.trim()}`);
      while (i + 1 < lines.length && /^\s*# {3}/.test(lines[i + 1])) out.push(lines[++i].trim());
      continue;
    }
    const failed = /^(\s*)not ok \d+ - (.*)$/.exec(line);
    if (!failed) continue;
    const block = [];
    for (let j = i + 1; j < lines.length && !/^\s*\.\.\.$/.test(lines[j]); j++) block.push(lines[j].trim());
    if (block.some((l) => l.includes("failureType: 'cancelledByParent'"))) {
      cancelled++;
      continue;
    }
    out.push(`✖ ${failed[2]}`);
    const keep = [];
    let inError = false;
    for (const l of block) {
      if (/^(location|failureType|error|code|name|expected|actual|operator|stack):/.test(l)) {
        inError = l.startsWith('error: |');
        if (/^(location|failureType|error|code):/.test(l)) keep.push(l);
      } else if (inError) keep.push(`  ${l}`);
    }
    out.push(...keep.slice(0, 16).map((l) => `    ${l}`));
  }
}
if (out.length === 0 && cancelled === 0) process.exit(0);
console.log('# failure digest: every failed test with its error (cancelled subtests only counted)');
for (const l of out.slice(0, MAX_LINES)) console.log(`# ${l}`);
if (out.length > MAX_LINES) console.log(`# … ${out.length - MAX_LINES} more line(s)`);
console.log(`# subtests cancelled with their suite: ${cancelled}`);
