// azure platform app: node --import tsx infra/platform/azure/main.ts [OUT_DIR]
import { runPlatformApp } from '../app.js';

runPlatformApp('azure', import.meta.url);
