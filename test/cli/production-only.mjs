// Loaded with `node --import`: the process may load only what `npm ci --omit=dev` installs. A module inside a package
// that package-lock.json marks `dev` (installed only for development) is refused, as if it were missing. With
// FAZHI_LOADED_LOG set, every package module resolved is also listed in that file (for module-graph checks).
import { register } from 'node:module';

register('./production-only-hooks.mjs', import.meta.url, { data: { log: process.env.FAZHI_LOADED_LOG ?? null } });
