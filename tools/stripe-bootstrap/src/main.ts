/**
 * stripe-bootstrap: `STRIPE_SECRET_KEY=sk_test_… node --import tsx tools/stripe-bootstrap/src/main.ts [--json]`
 * STRIPE_API_BASE points it at a Stripe-compatible server instead of api.stripe.com.
 */
import { BootstrapError, runBootstrap } from './bootstrap.js';

runBootstrap({
  env: process.env,
  print: (line) => console.log(line),
  json: process.argv.includes('--json'),
}).catch((error: unknown) => {
  console.error(error instanceof BootstrapError ? `stripe-bootstrap: ${error.message}` : error);
  process.exit(1);
});
