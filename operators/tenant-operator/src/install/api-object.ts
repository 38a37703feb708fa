import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

/** Adds a plain manifest to a chart. */
export function addObject(
  scope: Construct,
  id: string,
  manifest: { apiVersion: string; kind: string; [key: string]: unknown },
): ApiObject {
  const { apiVersion, kind, ...rest } = manifest;
  return new ApiObject(scope, id, { apiVersion, kind, ...rest });
}
