import { strict as assert } from 'node:assert';
import { hasErrorCode } from '../../src/errors';
import { isLoopbackHost, resolveServeOptions } from '../../src/serve/serve-options';

describe('resolveServeOptions', () => {
  describe('when no host is given', () => {
    it('listens on 127.0.0.1:8642 without a token', () => {
      const resolved = resolveServeOptions({ stateDir: '/tmp/state', pipelines: [] });
      assert.deepEqual([resolved.host, resolved.port, resolved.token], ['127.0.0.1', 8642, undefined]);
    });
  });

  describe('when the host is not loopback', () => {
    it('refuses without a token and accepts with one', () => {
      assert.throws(() => resolveServeOptions({ stateDir: '/tmp/state', pipelines: [], host: '192.168.1.7' }), (e: unknown) => hasErrorCode(e, 'SERVE_TOKEN_REQUIRED') && e.message.startsWith('Refusing to serve on `192.168.1.7` without a token'));
      assert.equal(resolveServeOptions({ stateDir: '/tmp/state', pipelines: [], host: '192.168.1.7', token: 't' }).token, 't');
    });
  });

  describe('when reads are to go without the token', () => {
    it('takes it on loopback and refuses it elsewhere, naming the host', () => {
      assert.equal(resolveServeOptions({ stateDir: '/s', pipelines: [], token: 't', readsNeedToken: false }).readsNeedToken, false);
      assert.equal(resolveServeOptions({ stateDir: '/s', pipelines: [] }).readsNeedToken, true);
      assert.throws(() => resolveServeOptions({ stateDir: '/s', pipelines: [], host: '0.0.0.0', token: 't', readsNeedToken: false }), {
        message: 'Expected `readsNeedToken` to be true on `0.0.0.0`: reads may go without the token on loopback only',
      });
    });
  });

  describe('when the port or token is bad', () => {
    it('names the field and the value', () => {
      assert.throws(() => resolveServeOptions({ stateDir: '/s', pipelines: [], port: 70000 }), { message: 'Expected `port` to be an integer from 0 to 65535, got `70000`' });
      assert.throws(() => resolveServeOptions({ stateDir: '/s', pipelines: [], token: ' ' }), { message: 'Expected `token` to be a non-empty string, got an empty one' });
    });
  });
});

describe('isLoopbackHost', () => {
  it('knows 127.0.0.0/8, ::1 and localhost from the rest', () => {
    assert.deepEqual(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '0.0.0.0', '::', '10.0.0.1', 'example.com'].map(isLoopbackHost), [true, true, true, true, false, false, false, false]);
  });
});
