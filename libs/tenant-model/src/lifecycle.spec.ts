import { describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  LIFECYCLE_EVENT_TYPES,
  LIFECYCLE_TRANSITIONS,
  TENANT_STATES,
  canTransition,
  nextState,
} from './lifecycle.js';

describe('tenant lifecycle table', () => {
  // Every (state, event) pair: legal ones move to the table's target, illegal ones throw.
  for (const state of TENANT_STATES) {
    for (const event of LIFECYCLE_EVENT_TYPES) {
      const t = LIFECYCLE_TRANSITIONS[event];
      const legal = (t.from as readonly string[]).includes(state);
      it(`${state} --${event}--> ${legal ? (t.to ?? state) : 'refused'}`, () => {
        expect(canTransition(state, event)).toBe(legal);
        if (legal) expect(nextState(state, event)).toBe(t.to ?? state);
        else expect(() => nextState(state, event)).toThrow(IllegalTransitionError);
      });
    }
  }

  it('follows the happy path of DESIGN.md', () => {
    let s = nextState('pending_verification', 'email_verified');
    s = nextState(s, 'checkout_completed');
    s = nextState(s, 'provisioning_succeeded');
    s = nextState(s, 'grace_period_expired');
    expect(s).toBe('suspended');
    s = nextState(s, 'invoice_paid');
    s = nextState(s, 'offboard_started');
    expect(nextState(s, 'offboarding_completed')).toBe('deleted');
  });

  it('expires only sign-ups that were never provisioned, straight to deleted', () => {
    // Written out rather than read from the table: this is the rule the expiry sweep relies on.
    const expected: Record<(typeof TENANT_STATES)[number], 'deleted' | 'refused'> = {
      pending_verification: 'deleted',
      pending_payment: 'deleted',
      provisioning: 'refused',
      active: 'refused',
      suspended: 'refused',
      failed: 'refused',
      offboarding: 'refused',
      deleted: 'refused',
    };
    for (const state of TENANT_STATES) {
      const got = canTransition(state, 'signup_expired') ? nextState(state, 'signup_expired') : 'refused';
      expect(got, state).toBe(expected[state]);
    }
    expect(LIFECYCLE_TRANSITIONS.signup_expired.description).toMatch(/SIGNUP_EXPIRY/);
  });

  it('deleted is terminal', () => {
    expect(LIFECYCLE_EVENT_TYPES.filter((e) => canTransition('deleted', e))).toEqual([]);
  });

  it('explains a refusal in words', () => {
    expect(() => nextState('deleted', 'resume_requested')).toThrow(
      'cannot apply "resume_requested" to a tenant in state "deleted" (allowed from: suspended)',
    );
  });
});

describe('gone and live states', () => {
  it('split the states in two, and from a gone state only offboarding completes', async () => {
    const { GONE_STATES, LIVE_STATES, TENANT_STATES, isGone } = await import('./lifecycle.js');
    expect([...LIVE_STATES, ...GONE_STATES].sort()).toEqual([...TENANT_STATES].sort());
    for (const state of TENANT_STATES) expect(isGone(state)).toBe(!LIVE_STATES.includes(state as never));
    const fromGone = LIFECYCLE_EVENT_TYPES.filter((e) =>
      (LIFECYCLE_TRANSITIONS[e].from as readonly string[]).some((s) => isGone(s as never)),
    );
    expect(fromGone).toEqual(['offboarding_completed']);
  });
});
