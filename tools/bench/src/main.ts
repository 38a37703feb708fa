/**
 * `npm run bench`: runs every `*.bench.ts` module in this folder (or those named on the command
 * line, e.g. `npm run bench -- synth operator`), prints one JSON line per figure with the
 * machine's core count, and writes them all to bench/results/latest.json.
 * Each module runs in its own child process so one benchmark's memory and warm caches do not
 * distort another's figures (peak RSS is per benchmark).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figure.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Line extends Figure {
  bench: string;
  cores: number;
}

function runModule(file: string): Promise<Figure[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--expose-gc', `${here}run-one.ts`, `${here}${file}`],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => {
      const marker = out.lastIndexOf('\n@@FIGURES@@');
      if (code !== 0 || marker < 0) return reject(new Error(`${file} exited with ${code}`));
      resolve(JSON.parse(out.slice(marker + '\n@@FIGURES@@'.length)) as Figure[]);
    });
  });
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const modules = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
    .sort();
  const cores = cpus().length;
  const lines: Line[] = [];
  let failed = 0;
  for (const file of modules) {
    const bench = file.replace(/\.bench\.ts$/, '');
    const started = Date.now();
    try {
      for (const figure of await runModule(file)) {
        const line = { bench, ...figure, cores };
        lines.push(line);
        console.log(JSON.stringify(line));
      }
    } catch (error) {
      failed += 1;
      console.error(`bench ${bench} failed: ${(error as Error).message}`);
    }
    console.error(`bench ${bench}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  mkdirSync(`${root}bench/results`, { recursive: true });
  const result = {
    at: new Date().toISOString(),
    node: process.version,
    cores,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    figures: lines,
  };
  writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(result, null, 2)}\n`);
  if (failed > 0) process.exitCode = 1;
}

await main();
