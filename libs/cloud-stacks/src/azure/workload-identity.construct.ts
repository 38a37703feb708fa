import { Construct } from 'constructs';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential/index.js';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity/index.js';
import { TENANT_SERVICE_ACCOUNTS, type TenantContext } from '../core/tenant-context.js';
import { AZURE_TOKEN_AUDIENCE } from './ids.js';

export interface AzureWorkloadIdentityProps {
  readonly tenant: TenantContext;
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** OIDC issuer of the AKS cluster whose ServiceAccount tokens are trusted. */
  readonly issuer: string;
}

/**
 * The tenant's user-assigned managed identity, federated with exactly the tenant namespace's
 * ServiceAccounts (one credential per ServiceAccount). Grants go through `grant`, so every role
 * assignment of the identity is visible here and scoped to a resource the caller names.
 */
export class AzureWorkloadIdentity extends Construct {
  readonly identity: UserAssignedIdentity;
  private grants = 0;

  constructor(scope: Construct, id: string, props: AzureWorkloadIdentityProps) {
    super(scope, id);
    this.identity = new UserAssignedIdentity(this, 'identity', {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tags: { ...props.tenant.tags },
    });
    // Azure refuses concurrent writes of federated credentials on one identity: chain them.
    let previous: FederatedIdentityCredential | undefined;
    TENANT_SERVICE_ACCOUNTS.forEach((serviceAccount, i) => {
      previous = new FederatedIdentityCredential(this, `federation-${serviceAccount}`, {
        name: serviceAccount,
        resourceGroupName: props.resourceGroupName,
        parentId: this.identity.id,
        issuer: props.issuer,
        audience: [AZURE_TOKEN_AUDIENCE],
        subject: props.tenant.subjects[i]!,
        ...(previous && { dependsOn: [previous] }),
      });
    });
  }

  get clientId(): string {
    return this.identity.clientId;
  }

  get principalId(): string {
    return this.identity.principalId;
  }

  /** Assigns a built-in role to the identity at exactly `scope` (a resource id, never a subscription). */
  grant(scope: string, roleDefinitionName: string): RoleAssignment {
    this.grants += 1;
    return new RoleAssignment(this, `grant-${this.grants}`, {
      scope,
      roleDefinitionName,
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
      // A new identity takes a while to replicate in Entra ID; skip the check that would fail meanwhile.
      skipServicePrincipalAadCheck: true,
    });
  }
}
