# Sourced by tests that read their records back from journald.
# journald_ensure: make sure a journald is listening, starting one when the
# machine has none (a container without systemd). A socket file alone proves
# nothing: a journald started by an earlier test and killed leaves its
# sockets behind, and records sent to them are lost without an error.
# Appends the PID of a journald it started to the caller's pids array.
journald_live() {
	systemd-cat true 2>/dev/null
}

journald_ensure() {
	journald_live && return 0
	[ -x /lib/systemd/systemd-journald ] || return 1
	# The stale sockets are unlinked so the new journald can bind them.
	rm -f /run/systemd/journal/socket /run/systemd/journal/stdout \
		/run/systemd/journal/dev-log /run/systemd/journal/io.systemd.journal
	mkdir -p /run/systemd/journal /run/log/journal
	/lib/systemd/systemd-journald &
	pids+=($!)
	for _ in $(seq 50); do journald_live && return 0; sleep 0.1; done
	return 1
}
