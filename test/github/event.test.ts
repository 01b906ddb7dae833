// The workflow run's event, read from GITHUB_EVENT_NAME and the payload at GITHUB_EVENT_PATH.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp.ts';
import { readEvent, readEventFile, type Environment } from '../../src/github/event.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/github/pull_request.opened.json', import.meta.url));
const SHA = '0123456789abcdef0123456789abcdef01234567';

/** The fixture, changed by `edit`, served as the only file there is. */
function payloadFile(edit: (payload: Record<string, any>) => void = () => {}): (path: string) => string {
  const payload = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, any>;
  edit(payload);
  return (path) => {
    assert.equal(path, '/home/runner/work/_temp/_github_workflow/event.json');
    return JSON.stringify(payload);
  };
}

const prEnv = (eventName = 'pull_request'): Environment => ({
  GITHUB_EVENT_NAME: eventName,
  GITHUB_EVENT_PATH: '/home/runner/work/_temp/_github_workflow/event.json',
  GITHUB_REPOSITORY: 'Codertocat/Hello-World',
  GITHUB_SHA: SHA,
});

describe('readEvent', () => {
  it('reads a pull_request event from the real-shaped payload file', () => {
    const event = readEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: FIXTURE }, (path) => readFileSync(path, 'utf8'));
    assert.deepEqual(event, {
      kind: 'pull_request',
      eventName: 'pull_request',
      owner: 'Codertocat',
      repo: 'Hello-World',
      number: 2,
      headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      baseSha: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
      fork: false,
    });
  });

  it('treats pull_request_target the same way, and says which it was', () => {
    const event = readEvent(prEnv('pull_request_target'), payloadFile());
    assert.equal(event.kind, 'pull_request');
    assert.equal(event.eventName, 'pull_request_target');
  });

  it('marks a pull request from another repository as a fork', () => {
    const event = readEvent(
      prEnv(),
      payloadFile((p) => {
        p['pull_request'].head.repo.full_name = 'contributor/Hello-World';
        p['pull_request'].head.repo.fork = true;
      }),
    );
    assert.ok(event.kind === 'pull_request' && event.fork);
  });

  it('judges by repository, not by head.repo.fork: a branch inside a forked repository is not from a fork', () => {
    const event = readEvent(
      prEnv(),
      payloadFile((p) => {
        p['pull_request'].head.repo.fork = true;
        p['pull_request'].base.repo.fork = true;
      }),
    );
    assert.ok(event.kind === 'pull_request' && !event.fork);
  });

  it('counts a deleted head repository (head.repo: null) as a fork', () => {
    const event = readEvent(
      prEnv(),
      payloadFile((p) => {
        p['pull_request'].head.repo = null;
      }),
    );
    assert.ok(event.kind === 'pull_request' && event.fork);
  });

  it('takes owner and repo from GITHUB_REPOSITORY when the payload lacks them', () => {
    const event = readEvent(
      { ...prEnv(), GITHUB_REPOSITORY: 'octo-org/hello' },
      payloadFile((p) => {
        delete p['repository'];
      }),
    );
    assert.ok(event.kind === 'pull_request' && event.owner === 'octo-org' && event.repo === 'hello');
  });

  for (const eventName of ['push', 'release', 'workflow_dispatch', 'schedule']) {
    it(`scans everything at GITHUB_SHA on ${eventName}, without needing the payload`, () => {
      const event = readEvent({ GITHUB_EVENT_NAME: eventName, GITHUB_SHA: SHA }, () => assert.fail('no file should be read'));
      assert.deepEqual(event, { kind: 'full-scan', eventName, sha: SHA });
    });
  }

  it('calls other events unsupported', () => {
    assert.deepEqual(
      readEvent({ GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: '/x' }, () => '{}'),
      { kind: 'unsupported', eventName: 'issue_comment' },
    );
  });

  it('names the missing variable', () => {
    assert.throws(() => readEvent({}, () => '{}'), { message: 'GITHUB_EVENT_NAME is not set. Is this running in GitHub Actions?' });
    assert.throws(() => readEvent({ GITHUB_EVENT_NAME: 'pull_request' }, () => '{}'), /^\w+: GITHUB_EVENT_PATH is not set/);
    assert.throws(() => readEvent({ GITHUB_EVENT_NAME: 'push' }, () => '{}'), /^\w+: GITHUB_SHA is not set/);
  });

  it('says the payload lacks pull_request.number', () => {
    assert.throws(
      () =>
        readEvent(
          prEnv(),
          payloadFile((p) => {
            delete p['pull_request'];
          }),
        ),
      /has no pull_request\.number/,
    );
    assert.throws(
      () =>
        readEvent(
          prEnv(),
          payloadFile((p) => {
            p['pull_request'].number = '2';
          }),
        ),
      /has no pull_request\.number/,
    );
  });

  it('reports an unreadable or malformed payload file with its path and the cause', () => {
    assert.throws(
      () => readEvent({ ...prEnv(), GITHUB_EVENT_PATH: '/nonexistent/event.json' }, (path) => readFileSync(path, 'utf8')),
      (error: Error) => {
        assert.match(error.message, /^Cannot read the event payload GITHUB_EVENT_PATH=\/nonexistent\/event\.json: ENOENT/);
        assert.equal((error.cause as { code?: string }).code, 'ENOENT');
        return true;
      },
    );
    assert.throws(() => readEvent(prEnv(), () => '{"action": '), /The event payload at GITHUB_EVENT_PATH=\S+ is not a JSON object/);
    assert.throws(() => readEvent(prEnv(), () => '[]'), /is not a JSON object: expected a JSON object/);
  });

  it('rejects a head or base SHA that is not a commit SHA', () => {
    assert.throws(
      () =>
        readEvent(
          prEnv(),
          payloadFile((p) => {
            p['pull_request'].head.sha = 'main';
          }),
        ),
      { message: 'Invalid pull_request.head.sha "main". Expected a commit SHA (40 hexadecimal digits).' },
    );
    assert.throws(() => readEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_SHA: 'HEAD' }, () => '{}'), /Invalid GITHUB_SHA "HEAD"/);
  });
});

describe('readEventFile', () => {
  it('reads the runner’s event file, and refuses a device or a FIFO without blocking', (t) => {
    const dir = tempDir(t, 'event-file-');
    execFileSync('mkfifo', [join(dir, 'event.json')]);
    const event = readEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: FIXTURE }, readEventFile);
    assert.equal(event.kind, 'pull_request');
    for (const path of ['/dev/zero', join(dir, 'event.json')]) {
      assert.throws(
        () => readEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: path }, readEventFile),
        /Cannot read the event payload GITHUB_EVENT_PATH=.*: is a (character device|FIFO \(named pipe\)), not a regular file: not read/,
      );
    }
  });
});
