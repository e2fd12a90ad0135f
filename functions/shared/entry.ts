import { ConfigError } from './env.ts';

/**
 * Builds a Lambda entry point at module initialisation: the environment is parsed and the clients are created once
 * per container. A configuration error does not throw at import (a module that cannot be imported hides the reason
 * behind Runtime.ImportModuleError, and the bundling check imports the module without the environment); every
 * invocation fails with it instead, naming the variable.
 */
export function lambdaEntry<E, R>(build: () => (event: E) => Promise<R>): (event: E) => Promise<R> {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const message = error.message;
    return async () => {
      throw new ConfigError(message);
    };
  }
}
