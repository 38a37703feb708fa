// aws platform app: node --import tsx infra/platform/aws/main.ts [OUT_DIR]
import { runPlatformApp } from '../app.js';

runPlatformApp('aws', import.meta.url);
