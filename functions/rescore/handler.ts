// TEMPORARY: the rescore Lambda entry point is being built (issue 3); this file only fixes the path the CDK stack bundles.
export const handler = async (): Promise<never> => {
  throw new Error('rescore handler not implemented yet');
};
