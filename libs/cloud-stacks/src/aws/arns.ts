/**
 * ARNs of the platform's shared resources and the tenant's deterministic ones, derived from
 * platform.yaml so policies in the synthesized JSON can be read and tested as written.
 */
import type { AwsPlatformConfig } from '../core/platform-config.js';

export const roleArn = (c: AwsPlatformConfig, role: string): string =>
  `arn:aws:iam::${c.aws.accountId}:role/${role}`;

/** IAM OIDC provider of the cluster: `arn:aws:iam::<account>:oidc-provider/<issuer without https://>`. */
export const oidcProviderArn = (c: AwsPlatformConfig, issuer: string): string =>
  `arn:aws:iam::${c.aws.accountId}:oidc-provider/${issuerHost(issuer)}`;
export const issuerHost = (issuer: string): string => issuer.replace(/^https:\/\//, '').replace(/\/$/, '');

/** Secrets under `<prefix>` (Secrets Manager appends a random suffix to each ARN, hence the trailing *). */
export const secretsPrefixArn = (c: AwsPlatformConfig, prefix: string): string =>
  `arn:aws:secretsmanager:${c.region}:${c.aws.accountId}:secret:${prefix}`;

export const sharedTableArn = (c: AwsPlatformConfig): string =>
  `arn:aws:dynamodb:${c.region}:${c.aws.accountId}:table/${c.aws.sharedTableName}`;

export const sharedCollectionArn = (c: AwsPlatformConfig): string =>
  `arn:aws:aoss:${c.region}:${c.aws.accountId}:collection/${c.aws.searchCollection.id}`;

export const collectionEndpoint = (c: AwsPlatformConfig, collectionId: string): string =>
  `https://${collectionId}.${c.region}.aoss.amazonaws.com`;

export const dynamodbEndpoint = (c: AwsPlatformConfig): string =>
  `https://dynamodb.${c.region}.amazonaws.com`;

/** A policy document as Terraform expects it: a JSON string (references inside are interpolated by Terraform). */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource?: string[];
  Principal?: Record<string, string>;
  Condition?: Record<string, Record<string, string | string[]>>;
}
export const policyDocument = (statements: PolicyStatement[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
