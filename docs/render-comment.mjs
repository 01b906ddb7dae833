// Renders a comment body (Markdown, from stdin) to a standalone HTML page that looks like a
// GitHub pull-request comment, for docs/comment.png. Raw HTML passes through, as on GitHub.
// Used by docs/make-screenshot.sh only; never by the product or its tests.
import { readFileSync } from 'node:fs';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

const markdown = readFileSync(0, 'utf8');
const css = readFileSync(new URL('./comment.css', import.meta.url), 'utf8');
const body = micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
process.stdout.write(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>binauthz-gate comment</title><style>${css}</style></head>
<body><div class="comment"><div class="comment-header"><strong>github-actions</strong> <span class="bot">bot</span> commented</div>
<div class="markdown-body">${body}</div></div></body></html>
`);
