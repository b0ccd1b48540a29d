// What a decision found: problems (each one a reason to deny, naming the object, the release,
// the gate or image, and what to do) and warnings. Both are capped so hostile input (thousands
// of containers) cannot produce an unbounded response.
import { clip } from "./object.js";

export const MAX_PROBLEMS = 12;
export const MAX_WARNINGS = 8;
const MAX_MESSAGE = 4000;

export class Findings {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  private hiddenProblems = 0;
  private hiddenWarnings = 0;

  deny(problem: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(clip(problem, 600));
    else this.hiddenProblems++;
  }

  warn(warning: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(clip(warning, 400));
    else this.hiddenWarnings++;
  }

  get problemCount(): number {
    return this.problems.length + this.hiddenProblems;
  }

  /** The problems as one message, under a heading naming the object. */
  message(heading: string): string {
    const more = this.hiddenProblems ? ` (and ${this.hiddenProblems} more problem(s))` : "";
    return clip(`${heading}: ${this.problems.join("; ")}${more}`, MAX_MESSAGE);
  }

  warningList(): string[] {
    return this.hiddenWarnings ? [...this.warnings, `golive: ${this.hiddenWarnings} more warning(s) not shown`] : this.warnings;
  }
}
