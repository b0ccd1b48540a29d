// Change window (4.2 h): the release may go live only inside an allowed window, outside freezes.
// Closed is Pending, not Failed: nothing is wrong with the release, it waits for the window.
import { evaluateChangeWindow } from "../change-window.js";
import { passed, pending, type GateContext, type GateOutcome } from "../gate-context.js";

export function evaluateChangeWindowGate(ctx: GateContext): GateOutcome {
  const decision = evaluateChangeWindow(ctx.policy.changeWindows, ctx.now);
  return decision.open ? passed(decision.reason) : pending(decision.reason);
}
