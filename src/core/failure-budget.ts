// Ansible's max_fail_percentage: once more than that share of the run's hosts has failed (unreachable hosts do
// not count, as in Ansible's linear strategy), the run stops: hosts not yet changed are not run. Over SSM the
// same budget becomes each command's MaxErrors, so SSM itself stops sending it (`Terminated`).

export class FailureBudget {
  private failed = 0;

  constructor(
    readonly hosts: number,
    /** 0–100; undefined: no threshold. */
    readonly maxFailPercentage?: number,
  ) {}

  record(status: string): void {
    if (status === 'failed') this.failed++;
  }

  /** Failures the run may still take before it stops; undefined without a threshold. */
  remaining(): number | undefined {
    if (this.maxFailPercentage === undefined) return undefined;
    // Exceeded when failed / hosts > pct / 100, i.e. failed > floor(pct × hosts / 100).
    const allowed = Math.floor((this.maxFailPercentage * this.hosts) / 100 + 1e-9);
    return allowed - this.failed;
  }

  exceeded(): boolean {
    const left = this.remaining();
    return left !== undefined && left < 0;
  }

  /** Why a host was not run, for its report. */
  reason(): string {
    return `not run: ${this.failed} of ${this.hosts} host(s) failed, more than --max-fail-percentage ${this.maxFailPercentage}% allows`;
  }
}
