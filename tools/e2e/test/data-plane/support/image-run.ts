/**
 * Runs an app the way its image would, without an image runtime: the final stage of its
 * Dockerfile (WORKDIR, USER, ENV, ENTRYPOINT + CMD in exec form, the COPY lines that fill WORKDIR)
 * is laid out in a scratch folder from the esbuild bundle, and the command runs there as the
 * Dockerfile's uid, in a mount namespace where the whole root filesystem is read-only except the
 * emptyDirs the rendered Deployment declares (and, named separately, any extra path the caller
 * lists). Root is needed for the namespace and the uid switch; elsewhere it only drops nothing and
 * says so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { superviseChild, ROOT, type PlatformProcess } from '@cw/testing/processes';

export interface ImageStage {
  readonly workdir: string;
  readonly user: { uid: number; gid: number };
  readonly env: Record<string, string>;
  readonly command: string[]; // ENTRYPOINT + CMD
  readonly copies: Array<{ from: string; source: string; target: string }>;
  /** The stage runs `npm install` (at build time) itself. */
  readonly installsPackages: boolean;
}

const execForm = (line: string, what: string): string[] => {
  const parsed: unknown = JSON.parse(line);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string'))
    throw new Error(`${what} must be in exec form (a JSON array): no shell runs in the image`);
  return parsed as string[];
};

/** Users the base images define (node:24-slim's `node`, distroless's `nonroot`). */
const KNOWN_USERS: Record<string, number> = { node: 1000, nonroot: 65532 };

/** The last stage of a Dockerfile (continuation lines joined). */
export function parseFinalStage(dockerfile: string): ImageStage {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const last = lines.map((l) => l.split(/\s/)[0]?.toUpperCase()).lastIndexOf('FROM');
  const stage = lines.slice(last + 1);
  let workdir = '/';
  let user = '';
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  const env: Record<string, string> = {};
  const copies: ImageStage['copies'] = [];
  let installsPackages = false;
  for (const line of stage) {
    const [word = '', ...rest] = line.split(/\s+/);
    const arg = line.slice(word.length).trim();
    switch (word.toUpperCase()) {
      case 'WORKDIR':
        workdir = arg;
        break;
      case 'USER':
        user = arg;
        break;
      case 'ENTRYPOINT':
        entrypoint = execForm(arg, 'ENTRYPOINT');
        break;
      case 'CMD':
        cmd = execForm(arg, 'CMD');
        break;
      case 'ENV':
        for (const [, k, v] of arg.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
        break;
      case 'RUN': // build time, in the image's own shell; nothing runs a shell at run time
        installsPackages ||= /\bnpm (install|ci)\b/.test(arg);
        break;
      case 'COPY': {
        const from = rest.find((r) => r.startsWith('--from='))?.slice('--from='.length) ?? 'context';
        const [source = '', target = ''] = rest.filter((r) => !r.startsWith('--'));
        copies.push({ from, source, target });
        break;
      }
    }
  }
  const [name = '', group] = user.split(':');
  const uid = KNOWN_USERS[name] ?? Number(name);
  if (!Number.isInteger(uid) || uid === 0) throw new Error(`USER must be a non-root user: "${user}"`);
  const gid = group === undefined ? uid : (KNOWN_USERS[group] ?? Number(group));
  return { workdir, user: { uid, gid }, env, command: [...entrypoint, ...cmd], copies, installsPackages };
}

/**
 * Fills `imageRoot + workdir` as the COPY lines would: `--from=build /repo/…` from the checkout,
 * `node_modules` with exactly the packages the bundle's package.json lists (links into the
 * checkout's node_modules, so a package the bundle imports but does not list fails to resolve).
 */
export function layOutWorkdir(stage: ImageStage, imageRoot: string): string {
  // A runtime stage that runs `npm install` from package.json gets the same node_modules as a
  // stage copying them from an install stage.
  const copies = stage.installsPackages
    ? [...stage.copies, { from: 'npm install', source: '/app/node_modules', target: './node_modules' }]
    : stage.copies;
  const workdir = join(imageRoot, stage.workdir);
  mkdirSync(workdir, { recursive: true });
  const at = (target: string) => (target.startsWith('/') ? join(imageRoot, target) : join(workdir, target));
  // node_modules last: it is filled from the package.json another COPY brings.
  const ordered = [...copies].sort(
    (a, b) => Number(a.source.endsWith('/node_modules')) - Number(b.source.endsWith('/node_modules')),
  );
  for (const c of ordered) {
    if (c.source.startsWith('/repo/')) {
      cpSync(join(ROOT, c.source.slice('/repo/'.length)), at(c.target), { recursive: true });
    } else if (c.source.endsWith('/node_modules')) {
      const pkg = JSON.parse(readFileSync(join(workdir, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      for (const name of Object.keys(pkg.dependencies)) {
        const link = join(at(c.target), name);
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(join(ROOT, 'node_modules', name), link);
      }
    } else throw new Error(`COPY the test cannot reproduce: ${c.from} ${c.source} ${c.target}`);
  }
  // The image's files belong to root and are not writable by the app's uid.
  spawnSync('chmod', ['-R', 'a-w', workdir]);
  return workdir;
}

export interface RunOptions {
  readonly stage: ImageStage;
  readonly workdir: string;
  readonly env: Record<string, string>;
  /** Host folders writable by the app, each bind-mounted onto itself; every other path is read-only. */
  readonly writable: readonly string[];
  /** A fresh tmpfs at /tmp (the Deployment's /tmp emptyDir). */
  readonly tmpfsTmp: boolean;
}

const isRoot = () => process.getuid?.() === 0;

/** The image's command, as its uid, under a read-only root filesystem (when run as root). */
export function runAsImage(name: string, o: RunOptions): PlatformProcess<string> {
  const [binary, ...args] = o.stage.command;
  // The distroless ENTRYPOINT names its node; here it is the node running the tests.
  const argv = [binary === '/nodejs/bin/node' || binary === 'node' ? process.execPath : binary!, ...args];
  const env = { ...o.stage.env, ...o.env };
  for (const dir of o.writable) {
    mkdirSync(dir, { recursive: true });
    if (isRoot()) chownSync(dir, o.stage.user.uid, o.stage.user.gid);
    chmodSync(dir, 0o700);
  }
  if (!isRoot()) {
    process.stderr.write(`${name}: not root, so no read-only namespace and no uid switch here\n`);
    const child = spawn(argv[0]!, argv.slice(1), { cwd: o.workdir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    return superviseChild(name, child, { graceMs: 5_000 });
  }
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const script = [
    ...o.writable.map((d) => `mount --bind ${q(d)} ${q(d)}`),
    // A fresh tmpfs on /tmp, as the pod's emptyDir — unless the checkout itself lives under /tmp
    // (a CI clone), whose node_modules the image layout links to: then /tmp stays, bound writable.
    ...(o.tmpfsTmp
      ? [
          ROOT.startsWith('/tmp/')
            ? 'mount --bind /tmp /tmp'
            : 'mount -t tmpfs -o size=256m,mode=1777 tmpfs /tmp',
        ]
      : []),
    'mount -o remount,bind,ro /',
    `exec setpriv --reuid=${o.stage.user.uid} --regid=${o.stage.user.gid} --clear-groups --no-new-privs ${argv.map(q).join(' ')}`,
  ].join(' && ');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    cwd: o.workdir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return superviseChild(name, child, { graceMs: 5_000 });
}

export const writeJson = (file: string, value: unknown) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
};
