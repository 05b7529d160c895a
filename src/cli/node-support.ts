// Which Node.js lines the tool supports, and the one line it says on another.

/** The maintained LTS lines the tool is tested on (package.json engines says the same). */
export const SUPPORTED_NODE_LINES = [22, 24] as const;

/**
 * A one-line notice when `version` (process.version) is older than the supported lines; undefined otherwise.
 * The AWS SDK says the same in a multi-line warning of its own; the tool says it once, itself.
 */
export function nodeSupportNotice(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (!Number.isInteger(major) || major >= SUPPORTED_NODE_LINES[0]) return undefined;
  return (
    `note: Node.js ${version} is past its end of life and not supported; ` +
    `use Node.js ${SUPPORTED_NODE_LINES.join(' or ')} (the AWS SDK requires 22 from January 2027)`
  );
}
