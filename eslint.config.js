// Lint rules: typescript-eslint's recommended type-aware set, plus a rule that keeps AWS out of the pure core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'out/', '.fazhi/', '.scratch/', 'dist/', 'coverage/', 'test/fixtures/', 'scoring-rules/*.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
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
        { patterns: [{ group: ['@aws-sdk/*', 'aws-cdk-lib', 'aws-cdk-lib/*', '**/functions/**', '**/infra/**', '**/cli/**'], message: 'The pure core must not import AWS or the edges.' }] },
      ],
    },
  },
  {
    files: ['bin/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
