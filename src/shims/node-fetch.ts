// Bundle-time stand-in for `node-fetch`, which gaxios loads when it runs outside a browser
// (90 KB with its stream and blob polyfills): Node 24's built-in fetch does the same job.
export default globalThis.fetch;
export const Headers = globalThis.Headers;
export const Request = globalThis.Request;
export const Response = globalThis.Response;
