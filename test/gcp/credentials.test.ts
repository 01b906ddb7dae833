// The credentials hand every secret they hold or obtain to the run's redactor: the ADC file's
// fields, refreshed access tokens, and Workload Identity Federation's subject and STS tokens.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { bearerToken, createCredentials } from '../../src/gcp/credentials.ts';
import { Redactor } from '../../src/report/redact.ts';

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

describe('createCredentials feeds the redactor', () => {
  let dir: string;
  let saved: string | undefined;
  let savedDetection: string | undefined;
  let savedProject: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'credentials-'));
    saved = process.env['GOOGLE_APPLICATION_CREDENTIALS'];
    savedDetection = process.env['METADATA_SERVER_DETECTION'];
    process.env['METADATA_SERVER_DETECTION'] = 'none';
    // A known project: GoogleAuth would otherwise ask gcloud or Resource Manager for one.
    savedProject = process.env['GOOGLE_CLOUD_PROJECT'];
    process.env['GOOGLE_CLOUD_PROJECT'] = 'p';
    nock.disableNetConnect();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['GOOGLE_APPLICATION_CREDENTIALS'];
    else process.env['GOOGLE_APPLICATION_CREDENTIALS'] = saved;
    if (savedDetection === undefined) delete process.env['METADATA_SERVER_DETECTION'];
    else process.env['METADATA_SERVER_DETECTION'] = savedDetection;
    if (savedProject === undefined) delete process.env['GOOGLE_CLOUD_PROJECT'];
    else process.env['GOOGLE_CLOUD_PROJECT'] = savedProject;
    rmSync(dir, { recursive: true, force: true });
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it('an explicit access token is known at once', () => {
    const token = secret('explicit');
    const redactor = new Redactor();
    createCredentials(token, redactor);
    assert.equal(redactor.redact(`echo ${token}`), 'echo ***');
  });

  it('an ADC user file: its refresh token and client secret, and the access token it obtains', async () => {
    const refresh = secret('refresh');
    const clientSecret = secret('client-secret');
    const access = secret('access');
    const file = join(dir, 'adc.json');
    writeFileSync(
      file,
      JSON.stringify({ type: 'authorized_user', client_id: 'id.apps.googleusercontent.com', client_secret: clientSecret, refresh_token: refresh }),
    );
    process.env['GOOGLE_APPLICATION_CREDENTIALS'] = file;
    nock('https://oauth2.googleapis.com').post('/token').reply(200, { access_token: access, expires_in: 3600, token_type: 'Bearer' });
    const redactor = new Redactor();
    const token = await bearerToken(createCredentials(null, redactor), redactor);
    assert.equal(token, access);
    assert.equal(redactor.redact(`${refresh} ${clientSecret} ${access}`), '*** *** ***');
  });

  it('Workload Identity Federation: the subject token, the STS token and the impersonated token', async () => {
    const subject = secret('subject');
    const sts = secret('sts');
    const final = secret('impersonated');
    writeFileSync(join(dir, 'oidc'), subject);
    const file = join(dir, 'wif.json');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'external_account',
        audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/providers/gh',
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_url: 'https://sts.googleapis.com/v1/token',
        credential_source: { file: join(dir, 'oidc') },
        service_account_impersonation_url:
          'https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken',
      }),
    );
    process.env['GOOGLE_APPLICATION_CREDENTIALS'] = file;
    nock('https://sts.googleapis.com')
      .post('/v1/token')
      .reply(200, { access_token: sts, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 });
    nock('https://iamcredentials.googleapis.com')
      .post('/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken')
      .reply(200, { accessToken: final, expireTime: new Date(Date.now() + 3_600_000).toISOString() });
    const redactor = new Redactor();
    const token = await bearerToken(createCredentials(null, redactor), redactor);
    assert.equal(token, final);
    assert.equal(redactor.redact(`${subject} ${sts} ${final}`), '*** *** ***');
  });
});
