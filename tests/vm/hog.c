/*
 * hog: a memory hog for the VM sequence captures (tests/vm/capture-sequence.sh).
 * Static, no dependencies: gcc -O2 -static -o hog hog.c
 *
 *   hog [-m MIB] [-r RATE] [-s SECS]              allocate and touch MIB MiB at
 *                                                 RATE MiB/s, hold SECS s, free
 *   hog -f [-c KIB] [-F FLOOR] [-m MIB] [-r RATE] [-s SECS]
 *                                                 fragment free memory
 *
 *   -m MIB    how much to allocate (default 100; with -f, at most this much)
 *   -r RATE   MiB per second, in a step every 100 ms; 0: as fast as it goes
 *             (default 100)
 *   -s SECS   how long to hold it before freeing it all and exiting (default 0)
 *   -f        fragmentation: map and touch separate KIB chunks (transparent
 *             huge pages off) until MemFree is down to FLOOR MiB or MIB are
 *             taken, unmap every other chunk, then touch as much THP-eligible
 *             memory as was still free, so that the kernel's remaining large
 *             blocks go to huge pages: free memory is left only in the holes
 *   -c KIB    chunk size for -f, a multiple of 4 (default 8)
 *   -F FLOOR  MemFree, in MiB, at which -f stops filling (default 64)
 *
 * Every line on stdout starts "hog: T ms:", T being CLOCK_BOOTTIME, the clock
 * of /proc/uptime, so the lines line up with the snapshots' TIMES.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024)
#define STEP_MS 100

static long page;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The "KEY: N kB" line of a /proc file, in MiB, or -1. */
static long proc_mib(const char *path, const char *key)
{
	char line[128];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			kb = atol(line + len + 1);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

static long memfree_mib(void)
{
	return proc_mib("/proc/meminfo", "MemFree");
}

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("hog: %lld ms: ", now_ms());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(", MemFree %ld MiB\n", memfree_mib());
}

static void die(const char *what)
{
	say("%s failed: %s", what, strerror(errno));
	exit(1);
}

/* Paces the steps: sleeps until STEP_MS after the previous step. */
static void pace(struct timespec *next, long rate)
{
	if (rate == 0)
		return;
	next->tv_nsec += STEP_MS * 1000000L;
	if (next->tv_nsec >= 1000000000L) {
		next->tv_sec++;
		next->tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) == EINTR)
		;
}

static void touch(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += page)
		p[off] = 1;
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Bytes per step: RATE/10 MiB, or 16 MiB unpaced. */
static size_t step_bytes(long rate)
{
	return rate ? (size_t)rate * MIB * STEP_MS / 1000 : 16 * MIB;
}

static const char *rate_text(long rate)
{
	static char text[32];

	if (!rate)
		return "unpaced";
	snprintf(text, sizeof(text), "%ld MiB/s", rate);
	return text;
}

static void hold(long secs)
{
	if (secs > 0) {
		say("holding for %ld s", secs);
		sleep(secs);
	}
}

static void plain(long mib, long rate, long secs)
{
	size_t len = (size_t)mib * MIB, done = 0, step = step_bytes(rate);
	struct timespec next;
	long long t0 = now_ms();
	char *p = map(len);

	if (!p)
		die("mmap");
	say("allocating %ld MiB, %s", mib, rate_text(rate));
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (done < len) {
		size_t n = len - done < step ? len - done : step;

		touch(p + done, n);
		done += n;
		say("touched %zu of %ld MiB", done / MIB, mib);
		if (done < len)
			pace(&next, rate);
	}
	say("allocated %ld MiB in %lld ms", mib, now_ms() - t0);
	hold(secs);
	munmap(p, len);
	say("freed %ld MiB", mib);
}

static void fragment(long mib, long rate, long secs, long chunk_kib, long floor_mib)
{
	size_t chunk = (size_t)chunk_kib * 1024, step = step_bytes(rate);
	size_t max = (size_t)mib * MIB / chunk, n = 0, i;
	char **chunks = calloc(max, sizeof(*chunks));
	struct timespec next;
	long left, freed = 0;
	size_t big;
	char *thp;

	if (!chunks)
		die("calloc");
	/* Huge pages would take whole 2 MiB blocks for the chunks. */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		die("PR_SET_THP_DISABLE");
	say("filling with %ld KiB chunks down to MemFree %ld MiB (at most %ld MiB), %s",
	    chunk_kib, floor_mib, mib, rate_text(rate));
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (n < max && memfree_mib() > floor_mib) {
		for (size_t b = 0; b < step && n < max; b += chunk, n++) {
			if (!(chunks[n] = map(chunk)))
				die("mmap");
			touch(chunks[n], chunk);
		}
		say("touched %zu chunks, %zu MiB", n, n * chunk / MIB);
		pace(&next, rate);
	}
	left = memfree_mib();
	if (left > floor_mib)
		left = 0;	/* stopped at MIB: no need to take what is left */
	for (i = 1; i < n; i += 2, freed++)
		if (munmap(chunks[i], chunk))
			die("munmap");
	say("unmapped every other chunk: %ld chunks, %zu MiB", freed, freed * chunk / MIB);

	/* What was still free before the unmapping sits in large blocks: take
	 * it as huge pages (THP "always", no madvise, so no direct compaction:
	 * a fault without a free 2 MiB block falls back to small pages). */
	if (prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0))
		die("PR_SET_THP_DISABLE");
	big = (size_t)(left > 0 ? left : 0) * MIB;
	thp = map(big + 2 * MIB);
	if (!thp)
		die("mmap");
	touch((char *)(((unsigned long)thp + 2 * MIB - 1) & ~(2 * MIB - 1)), big);
	say("touched %ld MiB of THP-eligible memory, %ld MiB as huge pages", left, proc_mib("/proc/self/smaps_rollup", "AnonHugePages"));
	hold(secs);
	for (i = 0; i < n; i += 2)
		munmap(chunks[i], chunk);
	munmap(thp, big + 2 * MIB);
	say("freed everything");
}

int main(int argc, char **argv)
{
	long mib = 100, rate = 100, secs = 0, chunk_kib = 8, floor_mib = 64;
	int frag = 0, c;

	while ((c = getopt(argc, argv, "m:r:s:fc:F:")) != -1) {
		switch (c) {
		case 'm': mib = atol(optarg); break;
		case 'r': rate = atol(optarg); break;
		case 's': secs = atol(optarg); break;
		case 'f': frag = 1; break;
		case 'c': chunk_kib = atol(optarg); break;
		case 'F': floor_mib = atol(optarg); break;
		default:
			fprintf(stderr, "usage: hog [-m MIB] [-r MIB/s] [-s SECS] [-f [-c KIB] [-F FLOOR_MIB]]\n");
			return 2;
		}
	}
	if (optind != argc || mib <= 0 || rate < 0 || secs < 0 || chunk_kib <= 0 || chunk_kib % 4) {
		fprintf(stderr, "hog: bad arguments\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = sysconf(_SC_PAGESIZE);
	if (frag)
		fragment(mib, rate, secs, chunk_kib, floor_mib);
	else
		plain(mib, rate, secs);
	return 0;
}
