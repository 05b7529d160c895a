// What an awslogs repair (--fix, --reset-state) takes from the diagnosis it follows, and gives back. Types only.
import type { RepairOutcome } from '../../../core/agent-plugin.js';
import type { DoctorHostReport, Fault, ToolClock } from '../../../core/report.js';
import type { HostFacts } from '../../../core/types.js';
import type { StateRows, StreamView } from './state-view.js';

export type Outcome = RepairOutcome;

export interface Diagnosis {
  facts: HostFacts;
  clock: ToolClock;
  faults: Fault[];
  streams: StreamView[];
  rows?: StateRows;
  report: DoctorHostReport;
}
