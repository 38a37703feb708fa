/** Small helpers shared by the constructs. */
import { ApiObject, type JsonPatch } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from '../kube-object.js';

/**
 * An ApiObject whose body is a plain manifest built by our constructs: it has no tokens, lazy
 * values or JSON patches for cdk8s to resolve, so synth hands out the manifest with cdk8s's own
 * metadata (namespace, labels, annotations as cdk8s merges them) instead of deep-copying it twice
 * (resolve, then sanitize). Keys are sorted and null values dropped once, by withAppliedHash
 * (sanitizedCopy), which also refuses a value that is not plain JSON, as cdk8s's sanitize did.
 * Rendering runs for every tenant on an operator's cold start; these copies were ≈ 30 % of it.
 */
class PlainApiObject extends ApiObject {
  constructor(
    scope: Construct,
    id: string,
    private readonly manifest: KubeObject,
  ) {
    super(scope, id, manifest);
  }

  override toJson(): KubeObject {
    return { ...this.manifest, metadata: this.metadata.toJson() as KubeObject['metadata'] };
  }

  /** Change the manifest instead: a patch would not be applied by toJson. */
  override addJsonPatch(..._ops: JsonPatch[]): void {
    throw new Error(`${this.node.path}: JSON patches are not supported on a plain manifest`);
  }
}

/** Adds a plain manifest to the construct tree (rendered with its keys sorted; see PlainApiObject). */
export function addObject(scope: Construct, id: string, manifest: KubeObject): ApiObject {
  return new PlainApiObject(scope, id, manifest);
}

/** A problem in the Tenant that only shows when rendering; `path` names the field to fix. */
export class RenderIssue extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'RenderIssue';
  }
}
