/** Small helpers shared by the constructs. */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { KubeObject } from '../kube-object.js';

/** Adds a plain manifest to the construct tree (cdk8s sorts keys and resolves it at synth). */
export function addObject(scope: Construct, id: string, manifest: KubeObject): ApiObject {
  const { apiVersion, kind, metadata, ...rest } = manifest;
  return new ApiObject(scope, id, { apiVersion, kind, metadata, ...rest });
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
