import { describe, expect, it } from 'vitest';
import { any, find, mountedConfig, mountedConfigFiles, synth } from '../fixtures.spec-helper.js';
import { addObject } from './api.js';
import { Cerebro, type CerebroProps } from './cerebro.construct.js';
import { ANNOTATION_CONFIG_HASH, tenantConfigMapManifest } from './workload.js';

const props: CerebroProps = {
  slug: 'acme',
  namespace: 'tenant-acme',
  image: 'registry.contextweaver.io/cerebro:0.1.0',
  replicas: 2,
  config: { tenant: 'acme' },
  pdbApiVersion: 'policy/v1',
};
const render = (p: Partial<CerebroProps> = {}) => synth((c) => new Cerebro(c, 'cerebro', { ...props, ...p }));

describe('Cerebro', () => {
  it('renders its defaults (snapshot)', () => {
    expect(render()).toMatchSnapshot();
  });

  it('runs a hardened pod: non-root, read-only root, no escalation, no capabilities, seccomp, probes, resources', () => {
    const pod = any(find(render(), 'Deployment', 'cerebro')).spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('cerebro');
    const [container] = pod.containers;
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources).toEqual({
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    });
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(container.ports).toEqual([{ name: 'http', containerPort: 5080, protocol: 'TCP' }]);
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('takes the replica count given (zero while suspended)', () => {
    expect(any(find(render({ replicas: 0 }), 'Deployment')).spec.replicas).toBe(0);
  });

  it('exposes port 5080 through a Service selecting its pods', () => {
    const objects = render();
    const svc = any(find(objects, 'Service', 'cerebro'));
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 5080, targetPort: 'http', protocol: 'TCP' }]);
    const deployment = any(find(objects, 'Deployment'));
    expect(deployment.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(deployment.spec.selector.matchLabels).toEqual(svc.spec.selector);
  });

  it('has a PodDisruptionBudget in the API version discovery chose (two replicas)', () => {
    for (const apiVersion of ['policy/v1', 'policy/v1beta1'] as const) {
      const pdb = any(find(render({ pdbApiVersion: apiVersion }), 'PodDisruptionBudget'));
      expect(pdb.apiVersion).toBe(apiVersion);
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'cerebro' } },
      });
    }
  });

  it('has no PodDisruptionBudget with one replica or none (suspended)', () => {
    for (const replicas of [0, 1]) {
      const kinds = render({ replicas }).map((o) => o.kind);
      expect(kinds).not.toContain('PodDisruptionBudget');
    }
  });

  it('mounts its configuration and rolls pods exactly when it changes', () => {
    const hash = (config: unknown) =>
      any(find(render({ config }), 'Deployment')).spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH];
    expect(hash({ a: 1 })).toBe(hash({ a: 1 }));
    expect(hash({ a: 1 })).not.toBe(hash({ a: 2 }));
    const objects = synth((c) => {
      const cerebro = new Cerebro(c, 'cerebro', props);
      addObject(c, 'config', tenantConfigMapManifest('acme', 'tenant-acme', [cerebro.configFile]));
    });
    // Its own key of the tenant's ConfigMap, projected as config.json and nothing else.
    expect(Object.keys(any(find(objects, 'ConfigMap', 'tenant-config')).data)).toEqual(['cerebro.json']);
    expect(mountedConfigFiles(objects, 'cerebro')).toEqual({ 'config.json': '{\n  "tenant": "acme"\n}\n' });
    expect(mountedConfig(objects, 'cerebro')).toEqual({ tenant: 'acme' });
  });

  it('mounts vault secrets as files and places pods on a dedicated pool when asked', () => {
    const secrets = {
      name: 'vault',
      mountPath: '/var/run/secrets/contextweaver',
      source: { csi: { driver: 'secrets-store.csi.k8s.io' } },
    };
    const placement = {
      nodeSelector: { pool: 'acme' },
      tolerations: [{ key: 'pool', operator: 'Equal', value: 'acme', effect: 'NoSchedule' }],
    };
    const pod = any(
      find(
        render({ secrets, placement, podLabels: { 'azure.workload.identity/use': 'true' } }),
        'Deployment',
      ),
    ).spec.template;
    expect(pod.spec.volumes).toContainEqual({ name: 'vault', csi: { driver: 'secrets-store.csi.k8s.io' } });
    expect(pod.spec.containers[0].volumeMounts).toContainEqual({
      name: 'vault',
      mountPath: '/var/run/secrets/contextweaver',
      readOnly: true,
    });
    expect(pod.spec.containers[0].env).toContainEqual({
      name: 'CW_SECRETS_DIR',
      value: '/var/run/secrets/contextweaver',
    });
    expect(pod.spec.nodeSelector).toEqual({ pool: 'acme' });
    expect(pod.spec.tolerations).toEqual(placement.tolerations);
    expect(pod.metadata.labels['azure.workload.identity/use']).toBe('true');
  });
});
