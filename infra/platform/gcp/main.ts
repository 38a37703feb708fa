// gcp platform app: node --import tsx infra/platform/gcp/main.ts [OUT_DIR]
import { runPlatformApp } from '../app.js';

runPlatformApp('gcp', import.meta.url);
