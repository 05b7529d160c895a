// The faults the awslogs doctor names (agents/awslogs/doctor/diagnose.ts), as `--fault` takes them. Constants only:
// the command table reads them without loading the doctor.
export const FAULT_NAMES = [
  'not-installed',
  'agent-stopped',
  'agent-disabled',
  'stale-state',
  'lines-ahead',
  'too-old',
  'clock-skew',
  'datetime-format',
  'credentials-missing',
  'credentials-denied',
  'region-endpoint',
  'file-not-found',
  'throttling',
  'rotation-undetected',
  'dead-publisher',
  'refresh-failed',
  'pattern',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];
