// How a script travels over SSM and its output comes back whole. SSM keeps the first 24,000 characters of a
// command's stdout and cuts the rest without a word, so the script is wrapped: it runs from a file (SSM has no
// stdin), its stdout, stderr and exit code are gzip'd into one blob kept in a folder of root's on the host, and the
// blob comes back base64'd in parts that each fit well inside the limit — the first with the command itself,
// the others (rare: over 17 KB compressed) by further invocations. Every part says its size and ends with a
// marker, so a part cut short is seen, and the host fails rather than being judged on half an answer.
import { gunzipSync } from 'node:zlib';
import { quote } from '../shell.js';

/** SSM's inline limit on StandardOutputContent (characters). */
export const SSM_STDOUT_LIMIT = 24_000;
/** Compressed bytes per part: base64 makes 23,200 characters of them, plus a header line and the end marker. */
export const PART_BYTES = 17_400;
/** At most this many parts (522,000 compressed bytes) come back; past it the host fails with the reason. */
export const MAX_PARTS = 30;
export const MAX_COMPRESSED_BYTES = PART_BYTES * MAX_PARTS;
/** A blob that unpacks to more than this is refused (a gzip bomb would otherwise fill the tool's memory). */
const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

/** The tool's own folder on hosts (root's); the envelope spools output in ssm/ there. */
export const SPOOL_ROOT = '/var/lib/awslogs-provision';
const ROOT = SPOOL_ROOT;
const SPOOL = `${ROOT}/ssm`;
const TOKEN = /^[0-9a-f]{8,32}-\d{1,9}$/;

function assertToken(token: string): void {
  if (!TOKEN.test(token)) throw new Error(`invalid SSM spool token ${JSON.stringify(token)}`);
}

/** The command text that runs `script` on the host and prints the first part of its output. */
export function envelopeScript(script: string, token: string): string {
  assertToken(token);
  const end = `__AWSLOGS_PROVISION_SSM_${token.replace('-', '_')}__`;
  if (script.split('\n').includes(end)) throw new Error('the script holds the envelope terminator');
  const body = script.endsWith('\n') ? script : `${script}\n`;
  return `# awslogs-provision over SSM: the script below runs from a file; its output comes back gzip'd and base64'd
set -u
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH LC_ALL=C
R=${quote(ROOT)}
S=${quote(SPOOL)}
D=${quote(`${SPOOL}/${token}`)}
for p in "$R" "$S"; do
  if [ -L "$p" ] || { [ -e "$p" ] && { [ ! -d "$p" ] || [ "$(stat -c %u "$p")" != "$(id -u)" ]; }; }; then
    echo "@@ssm-error $p is not a folder of this user's (root's): refusing to use it"; exit 70
  fi
done
mkdir -p "$S" && chmod 700 "$R" "$S" || { echo "@@ssm-error cannot create $S"; exit 70; }
find "$S" -mindepth 1 -maxdepth 1 -mmin +1440 -exec rm -rf {} + 2>/dev/null
rm -rf "$D" && mkdir "$D" || { echo "@@ssm-error cannot create $D"; exit 70; }
cat >"$D/script" <<'${end}'
${body}${end}
sh "$D/script" </dev/null >"$D/out" 2>"$D/err"
code=$?
{ wc -c <"$D/out"; cat "$D/out" "$D/err"; } | gzip -c >"$D/z" || { echo "@@ssm-error gzip failed"; rm -rf "$D"; exit 70; }
rm -f "$D/script" "$D/out" "$D/err"
z=$(wc -c <"$D/z")
printf '@@ssm-envelope 1 %s %s\\n' "$code" "$z"
if [ "$z" -le ${MAX_COMPRESSED_BYTES} ]; then head -c ${PART_BYTES} "$D/z" | base64 -w0; echo; fi
echo @@ssm-end
if [ "$z" -le ${PART_BYTES} ] || [ "$z" -gt ${MAX_COMPRESSED_BYTES} ]; then rm -rf "$D"; fi
# 168, 169 and 194 mean reboots to the SSM agent, and 137 a command it stopped: never pass them on.
case $code in 137|168|169|194) exit 1 ;; *) exit "$code" ;; esac
`;
}

/** The command text that prints part `index` (from 1) of an earlier envelope's output; the last removes it. */
export function partScript(token: string, index: number): string {
  assertToken(token);
  if (!Number.isInteger(index) || index < 1 || index >= MAX_PARTS) throw new Error(`invalid part ${index}`);
  return `set -u
D=${quote(`${SPOOL}/${token}`)}
if [ -L "$D" ] || [ ! -f "$D/z" ]; then echo "@@ssm-error the rest of the output is gone from $D"; exit 70; fi
z=$(wc -c <"$D/z")
printf '@@ssm-part ${index} %s\\n' "$z"
dd if="$D/z" bs=${PART_BYTES} skip=${index} count=1 2>/dev/null | base64 -w0; echo
echo @@ssm-end
[ $(( (${index} + 1) * ${PART_BYTES} )) -lt "$z" ] || rm -rf "$D"
`;
}

export interface FirstPart {
  /** The script's exit code. */
  code: number;
  /** The compressed blob's size: how many parts there are. */
  compressedBytes: number;
  /** Absent when the blob is over MAX_COMPRESSED_BYTES (nothing of it was sent). */
  part?: Buffer;
}

/** How many parts a blob of this size comes in. */
export function partCount(compressedBytes: number): number {
  return Math.max(1, Math.ceil(compressedBytes / PART_BYTES));
}

/** An answer that is not a whole part: why, in words for the operator. */
export class PartProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartProblem';
  }
}

function lines(stdout: string): string[] {
  return stdout.split('\n');
}

function hostError(all: string[]): void {
  const error = all.find((l) => l.startsWith('@@ssm-error '));
  if (error) throw new PartProblem(error.slice('@@ssm-error '.length));
}

/** Checks the part's base64 line against the size the header promised, and the end marker after it. */
function partBytes(all: string[], at: number, expectedBytes: number, cutHint: string): Buffer {
  const data = all[at + 1];
  const end = all[at + 2];
  const expectedChars = Math.ceil(expectedBytes / 3) * 4;
  if (
    data === undefined ||
    end !== '@@ssm-end' ||
    data.length !== expectedChars ||
    !/^[A-Za-z0-9+/]*={0,2}$/.test(data)
  )
    throw new PartProblem(
      `the output came back cut (${data?.length ?? 0} of ${expectedChars} characters, end marker ${end === '@@ssm-end' ? 'present' : 'missing'})${cutHint}`,
    );
  return Buffer.from(data, 'base64');
}

function cutHint(stdout: string): string {
  return stdout.length >= SSM_STDOUT_LIMIT
    ? `: SSM keeps ${SSM_STDOUT_LIMIT} characters of a command's output and this one had ${stdout.length}`
    : '';
}

/** The first part, from the envelope's StandardOutputContent. */
export function parseFirstPart(stdout: string): FirstPart {
  const all = lines(stdout);
  hostError(all);
  const at = all.findIndex((l) => l.startsWith('@@ssm-envelope '));
  const m = at < 0 ? null : /^@@ssm-envelope 1 (\d{1,3}) (\d{1,12})$/.exec(all[at]!);
  if (!m)
    throw new PartProblem(`the command's output does not start as the SSM transport's envelope does${cutHint(stdout)}`);
  const code = Number(m[1]);
  const compressedBytes = Number(m[2]);
  if (compressedBytes > MAX_COMPRESSED_BYTES) {
    if (all[at + 1] !== '@@ssm-end') throw new PartProblem(`the command's output came back cut${cutHint(stdout)}`);
    return { code, compressedBytes };
  }
  return { code, compressedBytes, part: partBytes(all, at, Math.min(PART_BYTES, compressedBytes), cutHint(stdout)) };
}

/** Part `index` (from 1), from a part script's StandardOutputContent. */
export function parsePart(stdout: string, index: number, compressedBytes: number): Buffer {
  const all = lines(stdout);
  hostError(all);
  const at = all.findIndex((l) => l.startsWith('@@ssm-part '));
  const m = at < 0 ? null : /^@@ssm-part (\d+) (\d+)$/.exec(all[at]!);
  if (!m || Number(m[1]) !== index)
    throw new PartProblem(`part ${index} of the output did not come back as sent${cutHint(stdout)}`);
  if (Number(m[2]) !== compressedBytes)
    throw new PartProblem(`the output on the host changed size between its parts (${compressedBytes} → ${m[2]} bytes)`);
  const expected = Math.min(PART_BYTES, compressedBytes - index * PART_BYTES);
  return partBytes(all, at, expected, cutHint(stdout));
}

export interface Unpacked {
  stdout: Buffer;
  stderr: Buffer;
}

/** The script's stdout and stderr from the whole blob (gzip checks its own CRC and length). */
export function unpack(parts: Buffer[]): Unpacked {
  let raw: Buffer;
  try {
    raw = gunzipSync(Buffer.concat(parts), { maxOutputLength: MAX_UNPACKED_BYTES });
  } catch (err) {
    throw new PartProblem(`the output does not unpack: ${(err as Error).message}`);
  }
  const newline = raw.indexOf(0x0a);
  const length = newline < 0 ? NaN : Number(raw.subarray(0, newline).toString('latin1').trim());
  if (!Number.isInteger(length) || length < 0 || newline + 1 + length > raw.length)
    throw new PartProblem('the unpacked output has no valid length line');
  return {
    stdout: raw.subarray(newline + 1, newline + 1 + length),
    stderr: raw.subarray(newline + 1 + length),
  };
}
