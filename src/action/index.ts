// Entry point of the GitHub Action bundle (dist/index.js).
import { run } from './main.ts';

await run();
