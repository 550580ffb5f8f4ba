#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Plays the host (a unix stream socket the agent is pointed at with
# --device) and the guard (SOCK_SEQPACKET clients of --socket) around a real
# oomguard-agent, and checks what crosses. Usage: agent-peer.py AGENT_BINARY
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

MAGIC = 0x474D4F4F
HDR = '<IHH'
REQUEST = HDR + 'QQIIqQII'                  # WireDeflateRequest, 56 bytes
ANSWER = HDR + 'QQII'                       # WireDeflateAnswer, 32
RELEASE = HDR + 'QQ'                        # WireRelease, 24
RELEASE_DONE = HDR + 'QqII'                 # WireReleaseDone, 32
ZONE = 'I12sqqqq'                           # WireZone, 48
REPORT_HEAD = HDR + 'QIIIIIIqQQQ' + 'II' * 4  # up to zones[], 104
assert struct.calcsize(REQUEST) == 56 and struct.calcsize(ANSWER) == 32
assert struct.calcsize(RELEASE) == 24 and struct.calcsize(RELEASE_DONE) == 32
assert struct.calcsize(REPORT_HEAD) == 104 and struct.calcsize('<' + ZONE) == 48
NEVER = 0xFFFFFFFF

failures = 0


def check(cond, what):
    global failures
    if cond:
        print('ok -', what)
    else:
        failures += 1
        print('FAIL -', what)


def request(rid, nbytes, level=2, reason=2):
    return struct.pack(REQUEST, MAGIC, 1, 1, rid, nbytes, level, reason, 900, 524288, 150, 0)


def report(seq, level, previous):
    head = struct.pack(REPORT_HEAD, MAGIC, 1, 3, seq, level, previous, 2, 125, 0, 1, 900, 1004000, 60000,
                       524288, 1, 12, 0, NEVER, 0, NEVER, 0, NEVER)
    zones = struct.pack('<' + ZONE, 0, b'DMA32', 61000, 5600, 7000, 8400) + bytes(48 * 7)
    return head + zones


class Host:
    """The host end of the port: bytes in, JSON lines out."""

    def __init__(self, listener):
        listener.settimeout(10)
        self.sock, _ = listener.accept()
        self.sock.setblocking(False)
        self.buf = b''

    def send(self, data):
        self.sock.sendall(data)

    def command(self, name, args=None, cid=None):
        msg = {'execute': name}
        if args is not None:
            msg['arguments'] = args
        if cid is not None:
            msg['id'] = cid
        self.send(json.dumps(msg).encode() + b'\n')

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.sock], [], [], left)
        if not r:
            return False
        data = self.sock.recv(65536)
        if not data:
            raise EOFError('agent closed the host connection')
        self.buf += data
        return True

    def line(self, timeout=3.0):
        """The next line as parsed JSON, or None on timeout. A leading 0xFF
        is returned as the marker 'SYNC' first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.buf[:1] == b'\xff':
                self.buf = self.buf[1:]
                return 'SYNC'
            nl = self.buf.find(b'\n')
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                assert b'\xff' not in line, line
                return json.loads(line.decode('utf-8'))
            if not self._fill(deadline):
                return None

    def sync(self, sid):
        self.send(b'\xff')
        self.command('guest-sync-delimited', {'id': sid}, cid='sync')
        # discard until the sentinel, as a host must
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            m = self.line(timeout=deadline - time.monotonic())
            if m == 'SYNC':
                return self.line()
        return None

    def quiet(self, timeout=0.5):
        m = self.line(timeout=timeout)
        return m is None


class Guard:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(path)

    def send(self, rec):
        self.sock.send(rec)

    def recv(self, timeout=3.0):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return None
        return self.sock.recv(4096)

    def close(self):
        self.sock.close()


def wait_for(path, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


def main():
    agent_bin = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix='oomguard-agent-test-')
    host_path = os.path.join(tmp, 'host.sock')
    guard_path = os.path.join(tmp, 'agent.sock')
    log_path = os.path.join(tmp, 'agent.log')

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(host_path)
    listener.listen(1)
    # a stale socket file from a crashed agent must not stop the start
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    stale.bind(guard_path)
    stale.close()

    log = open(log_path, 'w')
    agent = subprocess.Popen([agent_bin, '--device', host_path, '--socket', guard_path, '--verbose'],
                             stdout=log, stderr=log)
    global failures
    try:
        run(agent, listener, guard_path)
    except Exception:
        traceback.print_exc(file=sys.stdout)
        failures += 1
    finally:
        if agent.poll() is None:
            agent.send_signal(signal.SIGTERM)
            try:
                check(agent.wait(timeout=5) == 0, 'agent exits 0 on SIGTERM')
            except subprocess.TimeoutExpired:
                agent.kill()
                check(False, 'agent exits on SIGTERM')
        check(not os.path.exists(guard_path), 'guard socket removed on exit')
        log.close()
        text = open(log_path).read()
        check('dropped a record' in text, 'malformed guard record logged')
        check('line over 65536 bytes dropped' in text, 'oversized line logged')
        if os.geteuid() == 0 and shutil.which('setpriv'):
            check('refused a guard connection from uid 65534' in text, 'foreign uid refused and logged')
        if failures:
            sys.stdout.write('--- agent log ---\n' + text)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failures else 0)


def run(agent, listener, guard_path):
    host = Host(listener)
    check(wait_for(guard_path), 'agent listens on --socket')
    # 0. a new agent on the port says so with a lone 0xFF, and nothing else
    check(host.line() == 'SYNC', 'the agent announces itself with 0xFF when it opens the port')

    # 1. a guard request before the host synced is held, not sent
    g1 = Guard(guard_path)
    g1.send(request(77, 128 << 20))
    check(host.quiet(0.5), 'nothing is sent before the host synchronised')

    # 2. sync: 0xFF, the reply, then the held request
    reply = host.sync(4242)
    check(reply == {'return': 4242, 'id': 'sync'}, 'guest-sync-delimited answered with 0xFF + id: %r' % (reply,))
    ev = host.line()
    check(isinstance(ev, dict) and ev.get('event') == 'oomguard-deflate-request', 'held request sent after sync')
    data = ev.get('data', {}) if isinstance(ev, dict) else {}
    check(data == {'id': 77, 'bytes': 128 << 20, 'urgency': 'act', 'reason': 'headroom-min',
                   'headroom_min_kb': 900, 'balloon_kb': 524288}, 'deflate request data: %r' % (data,))
    check(isinstance(ev.get('timestamp', {}).get('seconds'), int) and
          abs(ev['timestamp']['seconds'] - time.time()) < 60, 'event timestamp is the guest realtime clock')

    # 3. commands
    host.command('guest-info', cid=1)
    m = host.line()
    ret = m.get('return', {}) if isinstance(m, dict) else {}
    check(m.get('id') == 1 and ret.get('version') == '0.1.0' and ret.get('protocol') == 2, 'guest-info: %r' % (m,))
    names = [c.get('name') for c in ret.get('supported_commands', [])]
    check('oomguard-deflate-answer' in names and 'guest-sync-delimited' in names, 'guest-info lists commands')

    host.command('guest-exec', {'path': '/bin/sh'}, cid=2)
    m = host.line()
    check(m.get('id') == 2 and m.get('error', {}).get('class') == 'CommandNotFound', 'unknown command: %r' % (m,))

    host.command('guest-ping', {'x': 1}, cid=3)
    m = host.line()
    check(m.get('id') == 3 and m.get('error', {}).get('class') == 'GenericError' and
          "'x'" in m['error'].get('desc', ''), 'unknown argument named: %r' % (m,))

    host.send(b'{"execute":\n')
    m = host.line()
    check('id' not in m and m.get('error', {}).get('class') == 'GenericError', 'parse error without id: %r' % (m,))

    host.send(b'{"x":"' + b'y' * 70000 + b'"}\n')
    m = host.line()
    check(m == {'error': {'class': 'GenericError', 'desc': 'line longer than 65536 bytes'}},
          'oversized line answered without id: %r' % (m,))
    host.command('guest-ping', cid=4)
    m = host.line()
    check(m == {'return': {}, 'id': 4}, 'the next line after an oversized one works: %r' % (m,))

    # 4. a report, and a malformed record (dropped, nothing sent)
    g1.send(struct.pack(REQUEST, 0x12345678, 1, 1, 5, 1, 2, 2, 0, 0, 0, 0))
    g1.send(report(41, 2, 1))
    m = host.line()
    check(m.get('event') == 'oomguard-level' and m.get('data') == {
        'level': 'act', 'previous': 'warn', 'reason': 'headroom-min', 'headroom_min_kb': 900},
        'level change event: %r' % (m,))
    m = host.line()
    data = m.get('data', {}) if isinstance(m, dict) else {}
    check(m.get('event') == 'oomguard-report' and data.get('seq') == 41 and data.get('level') == 'act' and
          data.get('zones') == [{'node': 0, 'zone': 'DMA32', 'free_kb': 61000, 'min_kb': 5600,
                                 'low_kb': 7000, 'high_kb': 8400}] and
          data.get('psi') == {'some_avg10': 1.25, 'full_avg10': 0.0} and
          data.get('actions', {}).get('kill') == {'count': 0, 'age_s': None},
          'report event: %r' % (m,))

    # 5. a new sync on the same stream (what a host reconnect looks like on
    # virtio-serial) sends the pending request again, same id
    reply = host.sync(5)
    ev = host.line()
    check(reply == {'return': 5, 'id': 'sync'} and ev.get('data', {}).get('id') == 77,
          'resync on the same stream resends request 77')

    # 6. the host goes away and comes back: quiet until it syncs
    host.sock.close()
    host = Host(listener)
    check(host.line() == 'SYNC', 'the reopened port starts with 0xFF')
    g1.send(report(42, 2, 2))
    check(host.quiet(0.7), 'no events to a new host before it synchronised')
    reply = host.sync(6)
    ev = host.line()
    check(reply == {'return': 6, 'id': 'sync'} and isinstance(ev, dict) and
          ev.get('event') == 'oomguard-deflate-request' and ev['data']['id'] == 77,
          'host reconnect resends request 77: %r' % (ev,))

    # 7. the answer reaches the guard as a WireDeflateAnswer
    host.command('oomguard-deflate-answer', {'id': 77, 'granted': True, 'bytes': 64 << 20}, cid=7)
    m = host.line()
    check(m == {'return': {'known': True}, 'id': 7}, 'deflate answer known: %r' % (m,))
    rec = g1.recv()
    check(rec is not None and len(rec) == 32, 'guard got a 32-byte record')
    if rec is not None and len(rec) == 32:
        check(struct.unpack(ANSWER, rec) == (MAGIC, 1, 2, 77, 64 << 20, 1, 0),
              'WireDeflateAnswer fields: %r' % (struct.unpack(ANSWER, rec),))
    host.command('oomguard-deflate-answer', {'id': 77, 'granted': True, 'bytes': 64 << 20}, cid=8)
    m = host.line()
    check(m == {'return': {'known': False}, 'id': 8}, 'repeated answer not known')
    check(g1.recv(0.4) is None, 'repeated answer does not reach the guard')

    host.command('oomguard-deflate-answer', {'id': 78, 'granted': False, 'bytes': 0, 'refusal': 'host-short',
                                             'extra': 1}, cid=9)
    m = host.line()
    check(m.get('error', {}).get('class') == 'GenericError' and 'extra' in m['error'].get('desc', ''),
          'unknown answer key refused')

    # 8. release: to the guard, and its outcome back as an event
    host.command('oomguard-release', {'id': 5, 'bytes': 1 << 20}, cid=10)
    m = host.line()
    check(m == {'return': {'accepted': True}, 'id': 10}, 'release accepted: %r' % (m,))
    rec = g1.recv()
    check(rec is not None and struct.unpack(RELEASE, rec) == (MAGIC, 1, 4, 5, 1 << 20), 'guard got WireRelease')
    g1.send(struct.pack(RELEASE_DONE, MAGIC, 1, 5, 5, 20480, 1, 0))
    m = host.line()
    check(m.get('event') == 'oomguard-release-done' and
          m.get('data') == {'id': 5, 'freed_kb': 20480, 'dropped_caches': True, 'compacted': False},
          'release-done event: %r' % (m,))

    # 9. the guard that asked is gone: the answer goes to the one connected
    g1.send(request(79, 4096))
    ev = host.line()
    check(ev.get('data', {}).get('id') == 79, 'request 79 sent')
    g1.close()
    g2 = Guard(guard_path)
    time.sleep(0.2)
    host.command('oomguard-deflate-answer', {'id': 79, 'granted': False, 'bytes': 0, 'refusal': 'rate-limit'})
    m = host.line()
    check(m == {'return': {'known': True}}, 'answer 79 known')
    rec = g2.recv()
    check(rec is not None and struct.unpack(ANSWER, rec) == (MAGIC, 1, 2, 79, 0, 0, 3),
          'answer 79 went to the new guard, refused rate-limit')
    g2.close()

    # 10. a guard from another uid is turned away (needs root to become nobody)
    if os.geteuid() == 0 and shutil.which('setpriv'):
        os.chmod(os.path.dirname(guard_path), 0o755)
        code = ('import socket,sys,time; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); '
                's.connect(sys.argv[1]); s.send(bytes.fromhex(sys.argv[2])); time.sleep(0.3)')
        subprocess.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', sys.executable, '-c', code,
                        guard_path, request(80, 4096).hex()], check=False, timeout=10)
        check(host.quiet(0.5), 'a request from uid 65534 is not relayed')
    else:
        print('skip - peer uid check needs root and setpriv')

    # 11. the agent is still alive and answering
    host.command('oomguard-status', cid=11)
    m = host.line()
    check(isinstance(m, dict) and m.get('return', {}).get('seq') == 42 and m['return'].get('pending') == [],
          'status: latest report, nothing pending')
    check(agent.poll() is None, 'agent still running')


if __name__ == '__main__':
    main()
