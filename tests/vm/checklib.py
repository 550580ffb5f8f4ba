"""What the host-side checks of the Debian guest tests share.

A check script prints "FAIL: ..." per failed check, "info: ..." for the
report, and last "summary: ..." (vm_debian_judge in debian-lib.sh reads
them). It reads what the guest driver recorded in a results directory:
KEY=VALUE lines in info (a key "error" or ending in "_error" is the
driver's own complaint) and the guard's journal as journalctl -o json
wrote it.
"""
import json

LEVEL_ID = "3b2d6c41a9f24b4f9e6a0c5e1d7f8a21"
ACTION_ID = "8c4f2e7d1b6a4c3e9f0d5a2b7e1c6d94"


class Results:
    def __init__(self, path):
        self.path = path
        self.fails = []
        self.rec = {}
        for line in self.read("info").splitlines():
            k, _, v = line.partition("=")
            if k == "error" or k.endswith("_error"):
                self.fail("the guest driver: " + v)
            self.rec[k] = v

    def fail(self, msg):
        self.fails.append(msg)
        print("FAIL: " + msg)

    @staticmethod
    def info(msg):
        print("info: " + msg)

    def read(self, name, must=True):
        """The file NAME of the results (or an absolute path); "" if absent."""
        try:
            with open(name if name.startswith("/") else "%s/%s" % (self.path, name), errors="replace") as f:
                return f.read()
        except OSError as e:
            if must:
                self.fail("cannot read %s: %s" % (name, e))
            return ""

    def journal(self, name="guard-journal.json"):
        """(records, level records, action records) of the guard's journal."""
        records = []
        for n, line in enumerate(self.read(name).splitlines(), 1):
            try:
                records.append(json.loads(line))
            except ValueError as e:
                self.fail("%s line %d does not parse (%s): %.80s" % (name, n, e, line))
        return (records, [j for j in records if j.get("MESSAGE_ID") == LEVEL_ID],
                [j for j in records if j.get("MESSAGE_ID") == ACTION_ID])
