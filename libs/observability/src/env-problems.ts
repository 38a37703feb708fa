/**
 * Configuration problems of a process, collected so that it stops once naming every bad
 * variable, not the first only (a deploy then needs one fix, not one restart per variable).
 * Each process keeps its own error class; this gathers and words the problems.
 */

export interface EnvProblem {
  readonly variable: string;
  readonly message: string;
}

/** The shape of a zod issue this needs (zod stays the caller's dependency). */
export interface SchemaIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly values?: readonly unknown[];
}

export class EnvProblems {
  private readonly list: EnvProblem[] = [];

  add(variable: string, message: string): this {
    if (!this.list.some((p) => p.variable === variable && p.message === message))
      this.list.push({ variable, message });
    return this;
  }

  /**
   * Adds a schema's issues, one per variable (its first); `env` tells a missing variable from a
   * bad one. Values are never quoted: a variable may hold a secret.
   */
  addIssues(issues: readonly SchemaIssue[], env: Record<string, string | undefined>): this {
    const seen = new Set<string>();
    for (const issue of issues) {
      const variable = String(issue.path[0] ?? '(environment)');
      if (seen.has(variable)) continue;
      seen.add(variable);
      this.add(
        variable,
        env[variable] === undefined && issue.path.length > 0
          ? 'is required'
          : issue.code === 'invalid_value' && issue.values
            ? `must be one of ${issue.values.map(String).join(', ')}`
            : issue.message.replace(new RegExp(`^${variable} `), ''),
      );
    }
    return this;
  }

  has(variable: string): boolean {
    return this.list.some((p) => p.variable === variable);
  }

  get problems(): readonly EnvProblem[] {
    return this.list;
  }

  /** Throws `toError(problems)` when there is any problem. */
  throwIfAny(toError: (problems: readonly EnvProblem[]) => Error): void {
    if (this.list.length > 0) throw toError([...this.list]);
  }
}

/** "VAR: message" lines, indented, one per problem. */
export const formatEnvProblems = (problems: readonly EnvProblem[]): string =>
  problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n');
