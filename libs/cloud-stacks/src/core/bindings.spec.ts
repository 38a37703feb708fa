import { describe, expect, it } from 'vitest';
import { BindingsError, bindingsFromOutputs, expectedBindingsFromJson } from './bindings.js';

describe('tenant bindings from outputs', () => {
  it('maps `terraform output -json` of an Azure tenant stack to spec.bindings', () => {
    const outputs = {
      vault_uri: { value: 'https://kv-cw-acme.vault.azure.net/', type: 'string', sensitive: false },
      database_endpoint: {
        value: 'https://cosmos-cw-weu.documents.azure.com:443/',
        type: 'string',
        sensitive: false,
      },
      database_name: { value: 'tenant-acme', type: 'string', sensitive: false },
      search_endpoint: { value: 'https://srch-cw-weu.search.windows.net', type: 'string', sensitive: false },
      search_index: { value: 'acme-', type: 'string', sensitive: false },
      llm_endpoint: { value: 'https://oai.openai.azure.com/', type: 'string', sensitive: false },
      llm_deployment: { value: 'gpt-4o', type: 'string', sensitive: false },
      identity_client_id: { value: '5a1c9e2b-3d4f-4e6a-8b7c-9d0e1f2a3b4c', type: 'string', sensitive: false },
      unrelated: { value: 42, type: 'number', sensitive: false },
    };
    expect(bindingsFromOutputs(outputs, 'azure')).toEqual({
      vault: { uri: 'https://kv-cw-acme.vault.azure.net/', kind: 'azure-key-vault' },
      database: { endpoint: 'https://cosmos-cw-weu.documents.azure.com:443/', name: 'tenant-acme' },
      search: { endpoint: 'https://srch-cw-weu.search.windows.net', index: 'acme-' },
      llm: { endpoint: 'https://oai.openai.azure.com/', deployment: 'gpt-4o' },
      identity: { clientId: '5a1c9e2b-3d4f-4e6a-8b7c-9d0e1f2a3b4c' },
    });
  });

  it("takes only the identity field of the tenant's cloud", () => {
    const outputs = {
      identity_role_arn: { value: 'arn:aws:iam::1:role/r' },
      identity_client_id: { value: 'x' },
    };
    expect(bindingsFromOutputs(outputs, 'aws')).toEqual({ identity: { roleArn: 'arn:aws:iam::1:role/r' } });
  });

  it('refuses sensitive outputs and non-string values', () => {
    expect(() => bindingsFromOutputs({ vault_uri: { value: 'x', sensitive: true } }, 'gcp')).toThrow(
      BindingsError,
    );
    expect(() => bindingsFromOutputs({ vault_uri: { value: 'x', sensitive: true } }, 'gcp')).toThrow(
      /never secrets/,
    );
    expect(() => bindingsFromOutputs({ database_name: { value: ['a'] } }, 'gcp')).toThrow(/must be a string/);
  });

  it('expects the literal outputs of a synthesized stack and lists the rest as pending', () => {
    const json = {
      output: {
        vault_uri: { value: 'https://kv-cw-acme.vault.azure.net/' },
        identity_client_id: { value: '${azurerm_user_assigned_identity.identity.client_id}' },
      },
    };
    expect(expectedBindingsFromJson(json, 'azure')).toEqual({
      bindings: { vault: { uri: 'https://kv-cw-acme.vault.azure.net/', kind: 'azure-key-vault' } },
      pending: ['identity.clientId'],
    });
  });
});
