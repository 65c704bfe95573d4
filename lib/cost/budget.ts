import { LambdakitError } from '../errors';
import type { CostEstimate } from './estimate';
import { money } from './format';

/** A stack whose estimate is above the budget. */
export interface BudgetOverrun {
  readonly stackName: string;
  readonly estimate: number;
  readonly budget: number;
}

/**
 * Stacks over a monthly budget. Stack totals are before the free tier: the
 * free tier belongs to the account, so it cannot keep one stack under budget.
 * Amounts are compared in cents, as they are printed.
 */
export function overBudget(estimate: CostEstimate, budget: number): BudgetOverrun[] {
  const cents = (n: number) => Math.round(n * 100);
  return estimate.stacks.filter((s) => cents(s.total) > cents(budget)).map((s) => ({ stackName: s.stackName, estimate: s.total, budget }));
}

/** Throws one line naming every stack over the budget, its estimate and the budget. */
export function enforceBudget(estimate: CostEstimate, budget: number): void {
  const over = overBudget(estimate, budget);
  if (over.length === 0) return;
  const named = over.map((o) => `stack ${o.stackName} is estimated at ${money(o.estimate)}/month`).join(', ');
  throw new LambdakitError(`${named}, over the budget of ${money(budget)}/month`, {
    code: 'OverBudget',
    value: over,
    limit: `${money(budget)}/month per stack`,
    hint: 'lower memory or provisioned concurrency (see --memory for a what-if), or raise --budget',
  });
}
