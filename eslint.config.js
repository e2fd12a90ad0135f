// Lint rules: typescript-eslint's recommended type-aware set, plus a rule that keeps AWS out of the pure core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'out/', '.fazhi/', '.scratch/', 'dist/', 'coverage/', 'test/fixtures/', 'scoring-rules/*.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Async methods that implement a Promise-returning interface need no await; dropping `async` would make their
      // throws synchronous instead of rejected promises, which callers do not expect.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // The pure core (upload → extract → normalise → score → rank → workbook) never talks to AWS: handlers adapt it.
    files: ['pipeline/**/*.ts', 'schemas/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', '**/functions/**', '**/infra/**', '**/cli/**'],
              message: 'The pure core must not import AWS or the edges.',
            },
          ],
        },
      ],
    },
  },
  {
    // Plain JavaScript (bin/, browser page scripts, .mjs helpers) is outside the TypeScript project: lint it untyped.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['bin/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
