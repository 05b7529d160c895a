// The faults the CloudWatch agent's doctor names (agents/cloudwatch-agent/doctor.ts). Constants only.
export const FAULT_NAMES = [
  'not-installed',
  'agent-stopped',
  'agent-disabled',
  'not-configured',
  'config-drift',
  'credentials-missing',
  'credentials-denied',
  'unreadable-as-user',
  'file-not-found',
  'out-of-time-range',
  'retries-dropped',
  'timestamp-fallback',
  'file-truncated',
  'unsent-bytes',
  'first-start-resend',
  'clock-skew',
  'timestamp-format',
  'pattern',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];
