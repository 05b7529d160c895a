// Whether a line starts a new event: the reader's `re.compile(six.b(pattern))` matched against the line's
// bytes. A configured pattern follows Python's bytes rules (agents/awslogs/byte-pattern.ts); the
// `{datetime_format}` pattern is the format's own regex (case ignored), whose literal characters become bytes
// the same way. Compiling can raise what the agent's Python raises (PythonError): the stream then cannot start.
import { compileBytesPattern, patternBytes, type BytesMatcher } from '../../agents/awslogs/byte-pattern.js';
import type { MultiLineStart } from './config.js';

export function lineStartMatcher(start: MultiLineStart): BytesMatcher {
  if (!start.fromDatetimeFormat) return compileBytesPattern(start.pattern, start.python);
  const source = patternBytes(start.pattern, start.python).replace(/\\s/g, '[\\t\\n\\x0b\\x0c\\r ]');
  const regex = new RegExp(source, 'i');
  return { source, test: (line) => regex.test(typeof line === 'string' ? line : line.toString('latin1')) };
}
