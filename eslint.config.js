// Flat ESLint config: typescript-eslint recommended rules plus Nx module boundaries.
// Boundaries: scope tags keep the operator away from control-plane code (and vice versa);
// type tags stop libs from importing apps/tools and keep test helpers (type:testing) out of
// production code. Test files may import type:testing.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const scopeConstraints = [
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:operator', onlyDependOnLibsWithTags: ['scope:shared', 'scope:operator'] },
  { sourceTag: 'scope:provisioning', onlyDependOnLibsWithTags: ['scope:shared', 'scope:provisioning'] },
  {
    sourceTag: 'scope:control-plane',
    onlyDependOnLibsWithTags: ['scope:shared', 'scope:control-plane', 'scope:provisioning'],
  },
  { sourceTag: 'scope:data-plane', onlyDependOnLibsWithTags: ['scope:shared', 'scope:data-plane'] },
  { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['*'] },
];
const typeConstraints = (allowTesting) => [
  { sourceTag: 'type:model', onlyDependOnLibsWithTags: ['type:model'] },
  {
    sourceTag: 'type:lib',
    onlyDependOnLibsWithTags: ['type:model', 'type:lib', ...(allowTesting ? ['type:testing'] : [])],
  },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:model', 'type:lib', 'type:testing'] },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:model', 'type:lib', ...(allowTesting ? ['type:testing'] : [])],
  },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:model', 'type:lib', 'type:testing'] },
  // tools/dev starts the apps in-process for `npm start` on embedded PGlite: the one launcher.
  // It may use @cw/testing's local protocol servers (the Stripe stand-in of `npm start`); it is
  // never part of an image.
  {
    sourceTag: 'type:launcher',
    onlyDependOnLibsWithTags: ['type:model', 'type:lib', 'type:app', 'type:testing'],
  },
];
const boundaries = (allowTesting, allow = []) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow,
    depConstraints: [...scopeConstraints, ...typeConstraints(allowTesting)],
  },
];
const testFiles = ['**/*.spec.ts', '**/test/**/*.ts', '*.config.ts'];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/dist.*.tmp/**',
      '**/dist.*.old/**',
      '**/.nx/**',
      'coverage/**',
      'tenants/**',
      'bench/results/**',
      '**/cdktf.out/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { plugins: { '@nx': nx } },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  { files: testFiles, rules: { '@nx/enforce-module-boundaries': boundaries(true) } },
  // The one place that starts apps in-process: npm start on embedded PGlite (see the file).
  {
    files: ['tools/dev/src/embedded.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false, ['@cw/control-plane-app', '@cw/provisioner']),
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
];
