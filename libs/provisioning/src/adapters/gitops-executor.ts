/**
 * The default infrastructure executor: the synthesized stack stays in `tenants/<slug>/infra/` for
 * an external pipeline (GitOps, Atlantis, a CI job) to apply; a marker file says what is
 * requested. The bindings are the ones the stack is known to produce (names derived from the slug).
 */
import { ARTIFACT, readJson, writeJson } from '../artifacts.js';
import type { ArtifactStore, InfraApplyRequest, InfraApplyResult, InfraExecutor } from '../ports.js';

export interface InfraMarker {
  action: 'apply' | 'destroy';
  tenant: string;
  stackSha256: string;
  /** Directory to run terraform in, relative to the tenant's artifacts. */
  workingDir: string;
  runId: string;
  correlationId: string;
  requestedAt: string;
}

export class GitopsExecutor implements InfraExecutor {
  readonly kind = 'gitops' as const;

  constructor(private readonly artifacts: ArtifactStore) {}

  apply(request: InfraApplyRequest): Promise<InfraApplyResult> {
    return this.mark('apply', request).then((fresh) => ({
      bindings: request.expectedBindings,
      summary: `${fresh ? 'apply requested' : 'apply already requested'} for the external pipeline (${ARTIFACT.applyMarker})`,
    }));
  }

  destroy(request: InfraApplyRequest): Promise<{ summary: string }> {
    return this.mark('destroy', request).then((fresh) => ({
      summary: `${fresh ? 'destroy requested' : 'destroy already requested'} for the external pipeline (${ARTIFACT.destroyMarker})`,
    }));
  }

  /** Writes the marker unless the same stack is already requested; returns whether it wrote. */
  private async mark(action: InfraMarker['action'], request: InfraApplyRequest): Promise<boolean> {
    const slug = request.tenant.metadata.name;
    const [file, other] =
      action === 'apply'
        ? [ARTIFACT.applyMarker, ARTIFACT.destroyMarker]
        : [ARTIFACT.destroyMarker, ARTIFACT.applyMarker];
    await this.artifacts.remove(slug, other);
    const existing = await readJson<InfraMarker>(this.artifacts, slug, file);
    if (existing?.stackSha256 === request.stackSha256) return false;
    const marker: InfraMarker = {
      action,
      tenant: slug,
      stackSha256: request.stackSha256,
      workingDir: request.workingDir.slice(this.artifacts.path(slug).length + 1) || '.',
      runId: request.runId,
      correlationId: request.correlationId,
      requestedAt: new Date().toISOString(),
    };
    await writeJson(this.artifacts, slug, file, marker);
    return true;
  }
}
