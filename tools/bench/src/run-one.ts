/** Child-process runner for one benchmark module: its figures go to stdout after a marker line. */
import type { BenchModule } from './figure.js';

const file = process.argv[2];
if (!file) throw new Error('usage: run-one.ts <module>');
const mod = (await import(file)) as BenchModule;
const figures = await mod.run();
process.stdout.write(`\n@@FIGURES@@${JSON.stringify(figures)}`);
process.exit(0);
