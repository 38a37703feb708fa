import { describe, expect, it } from 'vitest';
import { chooseCapabilities, CURRENT_CAPABILITIES } from './capabilities.js';

describe('chooseCapabilities', () => {
  it('picks policy/v1 and external-secrets v1 on a current cluster', () => {
    expect(
      chooseCapabilities([
        'v1',
        'apps/v1',
        'policy/v1',
        'policy/v1beta1',
        'external-secrets.io/v1',
        'external-secrets.io/v1beta1',
      ]),
    ).toEqual({
      podDisruptionBudget: 'policy/v1',
      externalSecrets: 'external-secrets.io/v1',
    });
  });

  it('falls back to policy/v1beta1 on Kubernetes v1.20 and to external-secrets v1beta1 on older ESO', () => {
    expect(chooseCapabilities(['v1', 'apps/v1', 'policy/v1beta1', 'external-secrets.io/v1beta1'])).toEqual({
      podDisruptionBudget: 'policy/v1beta1',
      externalSecrets: 'external-secrets.io/v1beta1',
    });
  });

  it('keeps the current versions when neither is served', () => {
    expect(chooseCapabilities(['v1'])).toEqual(CURRENT_CAPABILITIES);
  });
});
