// The command line's help: one text per command, each listing only that command's options and
// one example, so `attest --help` never shows the check's flags. A usage error prints one line
// pointing here (`See: binauthz-gate check --help`), never the whole text.

export type HelpTopic = 'overview' | 'check' | 'attest' | 'impact';

const OVERVIEW = `Usage: binauthz-gate COMMAND [options]

Decides, before Google does, what Binary Authorization will do with your Cloud Run Services and Jobs.

Commands:
  check     evaluate manifests against the project policy (exit 0 pass, 1 fail, 2 could not decide)
  attest    create the attestations the policy needs for images a build pushed
  impact    what a policy change would newly block or let through
  help      show this help, or a command's: binauthz-gate help check

Options:
  -h, --help     show help (binauthz-gate COMMAND --help for a command's options)
  --version      print the version

Example:
  binauthz-gate check --policy-file policy.yaml deploy/

Credentials (live mode): CLOUDSDK_AUTH_ACCESS_TOKEN, else Application Default Credentials.
Endpoints: CLOUDSDK_API_ENDPOINT_OVERRIDES_{BINARYAUTHORIZATION,CONTAINERANALYSIS,CLOUDKMS,RUN}.`;

/** Options every command that calls Google or a registry takes. */
const LIMITS = `  --concurrency N            Google and registry requests in flight at once, 1 to 64 (default 8)
  --timeout DURATION         deadline for all remote calls, retries included: seconds, or 90s, 2m, 1h
                             (1 s to 1 h; default 60)
  --max-file-size SIZE       refuse files larger than this (default 4MB; accepts KB, MB)
  --registry-mirror HOST=URL send HOST's registry requests to URL (repeatable)`;

const CHECK = `Usage: binauthz-gate check [--policy-file POLICY | --project PROJECT] [options] PATH...

Decides, for every Cloud Run Service and Job in PATH (files, or folders scanned for *.yaml, *.yml
and *.json), what Binary Authorization will do with each container image.

Policy and evidence:
  --policy-file FILE         the project policy: \`gcloud container binauthz policy export\` (YAML),
                             the REST API's JSON, a Config Connector BinaryAuthorizationPolicy,
                             or a Terraform plan (terraform show -json)
  --project ID               check against the policy live on this project (default when no
                             --policy-file: CLOUDSDK_CORE_PROJECT, CLOUDSDK_PROJECT, GOOGLE_CLOUD_PROJECT,
                             GCLOUD_PROJECT, or the ADC file's project)
  --attestors FILE           attestors, as \`gcloud container binauthz attestors describe --format=json\`
  --attestations FILE|live   ATTESTATION occurrences, as \`gcloud container binauthz attestations list
                             --format=json\`; \`live\` fetches attestors and attestations from Google
                             (the default with a live policy)
  --[no-]resolve-tags        resolve image tags to digests through the registry, as Cloud Run does at
                             deploy time (default: on in live mode, off offline)
  --policy-address ADDR      which google_binary_authorization_policy of a Terraform plan, when it holds several

What is deployed:
  --deployed --region R      also check what is deployed now in region R of the project (repeatable;
                             all: every region), each as its next deploy or execution (roles/run.viewer);
                             PATH is then optional

Output:
  --format FORMAT            text (default), json, markdown (the pull-request comment's body),
                             sarif (code scanning, with file and line) or gitlab (GitLab Code Quality)
  --verbose                  text: every container of every workload, with reasons (by default one
                             line per workload, reasons only for those not passing)
  --fail-on LEVEL            never | error | fail | warn: the lowest verdict that fails the run
                             (default fail: exit 1 on fail, 2 when something could not be decided)
  --allow-empty              pass when PATH holds no Cloud Run Service or Job (by default that is an
                             error: nothing was checked)
  --no-require-enforcement   judge a workload without run.googleapis.com/binary-authorization by its
                             images instead of failing it (by default it fails: Cloud Run would not check it)

Limits:
${LIMITS}
  -h, --help                 show this help

Example:
  binauthz-gate check --policy-file policy.yaml --attestors attestors.json \\
    --attestations attestations.json deploy/

Exit status: 0 pass, 1 fail, 2 could not decide (or bad usage).`;

const ATTEST = `Usage: binauthz-gate attest --attestor projects/P/attestors/A (--kms-key-version KEY_VERSION |
                            --private-key-file KEY.pem --public-key-id ID) [options] IMAGE...

Signs the IMAGEs given (REPOSITORY@sha256:DIGEST), each once its registry confirms the digest, and
converges concurrent runs on one occurrence per attestor and digest.

Attestor and key (gcloud container binauthz attestations sign-and-create's names work too):
  --attestor NAME            the attestor: projects/P/attestors/A, or A with --attestor-project P
  --attestor-project ID      the project of a short --attestor name
  --kms-key-version NAME     sign with Cloud KMS: projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N
  --keyversion N|NAME        the same, as gcloud: a full name, or a version number with
  --keyversion-project ID, --keyversion-location L, --keyversion-keyring R, --keyversion-key K
  --private-key-file FILE    sign with a local PEM key (PKCS#8, SEC1 or PKCS#1) ...
  --public-key-id ID         ... whose public key the attestor holds under this id
                             (alias: --public-key-id-override)
  --artifact-url IMAGE       an image to attest, as gcloud names it (repeatable; same as IMAGE)

Which images:
  --from-manifests PATH      attest only those IMAGEs these manifests deploy under a workload the policy
                             sends to the attestor (repeatable; the policy from --policy-file or --project);
                             it narrows the IMAGEs given, never adds one
  --policy-file FILE         the policy --from-manifests is judged by (default: the live one)
  --project ID               the project occurrences are created in (default: the note's project)
  --[no-]resolve-tags        resolve a tag given as IMAGE to its digest (default on)

Output and limits:
  --format FORMAT            text (default) or json
${LIMITS}
  -h, --help                 show this help

Example:
  binauthz-gate attest --attestor built-by-ci --attestor-project my-prod \\
    --kms-key-version projects/my-prod/locations/global/keyRings/ci/cryptoKeys/attestor/cryptoKeyVersions/1 \\
    us-docker.pkg.dev/my-prod/apps/web@sha256:DIGEST

Exit status: 0 every image attested, 1 some could not be, 2 bad usage.`;

// The impact command's options are read in impact-command.ts; this text is kept in step with it.
const IMPACT = `Usage: binauthz-gate impact --policy-file NEW [--base-policy-file OLD] [--project PROJECT]
                            [--deployed --region R ...] [options] [PATH...]

Evaluates every workload (manifests, Terraform plans, and with --deployed what runs now) under the
base policy and the new one, sharing the evidence, and reports what the change does.

Policies:
  --policy-file FILE         the new policy (same formats as check; a Terraform plan too)
  --base-policy-file FILE    the policy it replaces (default: the live policy of --project)
  --project ID               the project whose live policy, attestations and services are read
  --policy-address ADDR      which google_binary_authorization_policy of a plan, when it holds several

Workloads:
  PATH...                    manifests, folders or Terraform plan JSON files
  --deployed                 also what is deployed now (Cloud Run Admin API; roles/run.viewer)
  --region R                 the regions to list with --deployed (repeatable; all for every region)

Output:
  --format FORMAT            text (default), json or markdown
  --fail-on-weaken           exit 1 when a policy field weakens, even if no workload is newly blocked

Limits:
${LIMITS}
  -h, --help                 show this help

Example:
  binauthz-gate impact --policy-file new-policy.yaml --project my-prod deploy/

Exit status: 0 nothing newly blocked, 1 something newly blocked (or weakened under --fail-on-weaken),
2 could not decide.`;

const TEXTS: Record<HelpTopic, string> = { overview: OVERVIEW, check: CHECK, attest: ATTEST, impact: IMPACT };

export function helpText(topic: HelpTopic): string {
  return `${TEXTS[topic]}\n`;
}

/** The one line a usage error prints: the problem, and where that command's options are. */
export function usageErrorLine(message: string, topic: HelpTopic): string {
  const see = topic === 'overview' ? 'binauthz-gate --help' : `binauthz-gate ${topic} --help`;
  return `binauthz-gate: ${message.replace(/[.\s]+$/, '')}. See: ${see}\n`;
}
