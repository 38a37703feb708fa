import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export type { KubeConfig };

/**
 * Loads a kubeconfig: the given path, else $KUBECONFIG, else the in-cluster service account,
 * else ~/.kube/config. Throws with the path when a named file does not exist.
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  const file = path ?? process.env.KUBECONFIG;
  if (file) {
    if (!existsSync(file)) throw new Error(`kubeconfig ${file} does not exist`);
    kc.loadFromFile(file);
  } else {
    kc.loadFromDefault();
  }
  if (!kc.getCurrentCluster()) throw new Error(`kubeconfig ${file ?? '(default)'} has no current cluster`);
  return kc;
}
