// Bundle-time stand-in for the `undici` package, which @actions/http-client (under @actions/core)
// imports only for `ProxyAgent` (400 KB of the bundle), used by @actions/core's OIDC token
// request, which this action never makes. Behind an HTTP(S) proxy, set NODE_USE_ENV_PROXY=1:
// Node's own fetch, which every request here uses, then honours HTTPS_PROXY/NO_PROXY itself.
export class ProxyAgent {}
