// The version every front end reports (user agents, --version, SARIF), from package.json.
import packageJson from '../package.json' with { type: 'json' };

export const VERSION: string = packageJson.version;
