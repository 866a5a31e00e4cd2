export interface ConfigProblem {
  /** The option or environment variable at fault. */
  name: string;
  reason: string;
}

/** Thrown at boot when the configuration is wrong, naming every problem at once. */
export class SessionConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Invalid session configuration:\n${problems.map((p) => `  - ${p.name}: ${p.reason}`).join('\n')}`,
    );
    this.name = 'SessionConfigError';
  }
}
