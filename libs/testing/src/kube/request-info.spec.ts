import { describe, expect, it } from 'vitest';
import { matches } from './fault-rules.js';
import { parsePodFate } from './pod-fate.js';
import { requestInfo, resourceKey } from './request-info.js';

describe('requestInfo', () => {
  it.each([
    ['GET', '/api/v1/namespaces/a/pods', 'list', '', 'pods', '', 'a', ''],
    ['GET', '/api/v1/namespaces/a/pods?watch=true', 'watch', '', 'pods', '', 'a', ''],
    ['GET', '/api/v1/watch/namespaces/a/pods', 'watch', '', 'pods', '', 'a', ''],
    ['GET', '/api/v1/namespaces/a', 'get', '', 'namespaces', '', 'a', 'a'],
    ['PUT', '/api/v1/namespaces/a/finalize', 'update', '', 'namespaces', 'finalize', 'a', 'a'],
    [
      'PATCH',
      '/apis/apps/v1/namespaces/a/deployments/web/status',
      'patch',
      'apps',
      'deployments',
      'status',
      'a',
      'web',
    ],
    [
      'POST',
      '/apis/platform.contextweaver.io/v1alpha1/tenants',
      'create',
      'platform.contextweaver.io',
      'tenants',
      '',
      '',
      '',
    ],
    ['DELETE', '/api/v1/namespaces/a/configmaps', 'deletecollection', '', 'configmaps', '', 'a', ''],
    ['DELETE', '/api/v1/namespaces/a/configmaps/x', 'delete', '', 'configmaps', '', 'a', 'x'],
  ])('%s %s → %s', (method, url, verb, group, resource, subresource, namespace, name) => {
    expect(requestInfo(method, url)).toMatchObject({
      verb,
      group,
      resource,
      subresource,
      namespace,
      name,
      isResource: true,
    });
  });

  it('treats discovery and /version as non-resource requests', () => {
    expect(requestInfo('GET', '/apis/apps/v1')).toMatchObject({ isResource: false, verb: 'get' });
    expect(resourceKey(requestInfo('GET', '/version'))).toBe('/version');
  });

  it('matches resource patterns with and without group and subresource', () => {
    const info = requestInfo('PATCH', '/apis/apps/v1/namespaces/a/deployments/web/status');
    expect(resourceKey(info)).toBe('deployments.apps/status');
    expect(matches({ resource: 'deployments' }, info)).toBe(false);
    expect(matches({ resource: 'deployments/status' }, info)).toBe(true);
    expect(matches({ resource: 'deployments.apps/*', verb: 'write' }, info)).toBe(true);
    expect(matches({ resource: 'deployments.batch/*' }, info)).toBe(false);
    expect(matches({ verb: 'read' }, info)).toBe(false);
  });
});

describe('parsePodFate', () => {
  it('reads the annotation syntax', () => {
    expect(parsePodFate('ready:2000')).toEqual({ type: 'ready', delayMs: 2000 });
    expect(parsePodFate('pending:ImagePullBackOff')).toEqual({ type: 'pending', reason: 'ImagePullBackOff' });
    expect(parsePodFate('failed:137')).toEqual({ type: 'failed', exitCode: 137 });
    expect(parsePodFate('sideways')).toBeUndefined();
  });
});
