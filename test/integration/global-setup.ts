// Placeholder until the local stack lands: the integration project has no tests yet.
export default function setup(): void {}
