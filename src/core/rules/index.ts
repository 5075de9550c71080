import type { Rule } from './rule';
import { rule as daemonAfterStart } from './daemon-after-start';
import { rule as setDaemonDeprecated } from './set-daemon-deprecated';
import { rule as blockingCallInAsync } from './blocking-call-in-async';
import { rule as cpuBoundInThread } from './cpu-bound-in-thread';
import { rule as cpuBoundInAsync } from './cpu-bound-in-async';

/** Every rule, in documentation order. A new rule is one file plus one line here. */
export const allRules: readonly Rule[] = [
  daemonAfterStart,
  setDaemonDeprecated,
  blockingCallInAsync,
  cpuBoundInThread,
  cpuBoundInAsync,
];

export function ruleBySlug(slug: string): Rule | undefined {
  return allRules.find((r) => r.meta.slug === slug);
}
