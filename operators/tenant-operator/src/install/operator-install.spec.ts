import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { MANAGED_RESOURCES } from '@cw/k8s-charts';
import { INSTALL_DIR } from './generate.js';
import {
  OPERATOR_MEMORY_LIMIT_MIB,
  OPERATOR_NODE_OPTIONS,
  OPERATOR_V8_HEAP,
  clusterRoleRules,
  operatorInstallFiles,
} from './operator-install.chart.js';

const files = operatorInstallFiles();
const objects = parseAllDocuments(files['10-operator.yaml']!).map((d) => d.toJS());

describe('operator install manifests', () => {
  it('are checked in exactly as generated (regenerate: node --import tsx operators/tenant-operator/src/install/generate.ts)', () => {
    expect(
      readdirSync(INSTALL_DIR)
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    ).toEqual(Object.keys(files).sort());
    for (const [name, text] of Object.entries(files))
      expect(readFileSync(join(INSTALL_DIR, name), 'utf8'), name).toBe(text);
  });

  it('carry the same Tenant CRD as infra/k8s/crds', () => {
    const crd = readFileSync(join(INSTALL_DIR, '../crds/tenants.platform.contextweaver.io.yaml'), 'utf8');
    expect(files['00-crd.yaml']).toBe(crd);
  });

  it('grant only the verbs the operator uses, on the kinds it manages', () => {
    const role = objects.find((o) => o.kind === 'ClusterRole');
    expect(role.rules).toEqual(clusterRoleRules());
    const granted = role.rules.flatMap((r: { resources: string[] }) => r.resources);
    for (const r of MANAGED_RESOURCES) expect(granted).toContain(r.plural);
    const verbs = new Set(role.rules.flatMap((r: { verbs: string[] }) => r.verbs));
    expect([...verbs].sort()).toEqual(['create', 'delete', 'get', 'list', 'patch', 'watch']);
    expect(JSON.stringify(role.rules)).not.toContain('"*"');
    // Never Secrets (secrets stay in the vault), never RBAC objects, never escalation.
    for (const forbidden of [
      'secrets',
      'roles',
      'clusterroles',
      'rolebindings',
      'clusterrolebindings',
      'pods',
    ])
      expect(granted).not.toContain(forbidden);
    expect(
      verbs.has('escalate') || verbs.has('bind') || verbs.has('impersonate') || verbs.has('update'),
    ).toBe(false);
    const leases = objects.find((o) => o.kind === 'Role');
    expect(leases.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
  });

  it('run two hardened replicas', () => {
    const d = objects.find((o) => o.kind === 'Deployment');
    expect(d.spec.replicas).toBe(2);
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].resources.limits).toBeDefined();
    expect(pod.containers[0].readinessProbe.httpGet.path).toBe('/readyz');
    expect(pod.serviceAccountName).toBe('tenant-operator');
  });

  it("size V8's heap under the container's memory limit (NODE_OPTIONS), and Node applies those flags", () => {
    const container = objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
    expect(container.resources.limits.memory).toBe(`${OPERATOR_MEMORY_LIMIT_MIB}Mi`);
    const nodeOptions = container.env.find((e: { name: string }) => e.name === 'NODE_OPTIONS')?.value;
    expect(nodeOptions).toBe(OPERATOR_NODE_OPTIONS);
    // What V8 then allows in all: the old generation plus three semi-spaces (two + the new large-object space).
    const { maxOldSpaceMib, maxSemiSpaceMib } = OPERATOR_V8_HEAP;
    expect(maxOldSpaceMib + 3 * maxSemiSpaceMib).toBeLessThanOrEqual(0.8 * OPERATOR_MEMORY_LIMIT_MIB);
    const limit = execFileSync(
      process.execPath,
      [...nodeOptions.split(' '), '-p', 'require("v8").getHeapStatistics().heap_size_limit / 2 ** 20'],
      { encoding: 'utf8' },
    );
    expect(Number(limit)).toBe(maxOldSpaceMib + 3 * maxSemiSpaceMib);
  });
});
