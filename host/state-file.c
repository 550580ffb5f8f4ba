/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain's grant state on disk: DIR/NAME.state, replaced atomically
 * (temporary file, fsync, rename, fsync of the directory), so that after a
 * crash at any point the file holds either the old state or the new one,
 * never a mix, and a rename that returned is on disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state-file.h"

/* A domain name becomes a file name: letters, digits, '_', '-' and '.'
 * (not first) stay, every other byte is %XX. */
static int file_name(const char *domain, const char *suffix, char *buf, size_t size)
{
        size_t n = 0;

        if (!domain[0])
                return -EINVAL;
        for (const char *c = domain; *c; c++) {
                bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                             *c == '_' || *c == '-' || (*c == '.' && c != domain);

                if (n + 4 >= size)
                        return -ENAMETOOLONG;
                if (plain)
                        buf[n++] = *c;
                else
                        n += (size_t)snprintf(buf + n, size - n, "%%%02X", (unsigned char)*c);
        }
        if (n + strlen(suffix) >= size)
                return -ENAMETOOLONG;
        strcpy(buf + n, suffix);
        return 0;
}

int state_dir_open(const char *path)
{
        int fd;

        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int state_file_load(int dir_fd, const char *domain, DomainState *ret, char *err, size_t errlen)
{
        char name[STATE_FILE_NAME_MAX], text[STATE_MAX_BYTES + 1];
        struct stat st;
        size_t len = 0;
        int fd, k;

        k = file_name(domain, ".state", name, sizeof(name));
        if (k < 0)
                return k;
        /* O_NONBLOCK: a FIFO put there must not hang the relay; fstat then refuses it. */
        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATE_MAX_BYTES) {
                close(fd);
                snprintf(err, errlen, "not a regular file of at most %d bytes", STATE_MAX_BYTES);
                return -EBADMSG;
        }
        while (len < sizeof(text)) {
                ssize_t n = read(fd, text + len, sizeof(text) - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        k = -errno;
                        close(fd);
                        return k;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        close(fd);
        return state_parse(text, len, ret, err, errlen);
}

static int write_all(int fd, const char *data, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, data, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                data += n;
                len -= (size_t)n;
        }
        return 0;
}

int state_file_save(int dir_fd, const char *domain, const DomainState *st)
{
        char name[STATE_FILE_NAME_MAX], tmp[STATE_FILE_NAME_MAX + 1], text[STATE_MAX_BYTES];
        int len, fd, k;

        len = state_format(st, text, sizeof(text));
        if (len < 0)
                return len;
        k = file_name(domain, ".state", name, sizeof(name));
        if (k < 0)
                return k;
        snprintf(tmp, sizeof(tmp), ".%s", name);        /* never a NAME.state of its own: those have no leading '.' */
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        k = write_all(fd, text, (size_t)len);
        if (k == 0 && fsync(fd) < 0)
                k = -errno;
        if (close(fd) < 0 && k == 0)
                k = -errno;
        if (k == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                k = -errno;
        /* the rename itself is durable only once the directory is */
        if (k == 0 && fsync(dir_fd) < 0)
                k = -errno;
        if (k < 0)
                (void)unlinkat(dir_fd, tmp, 0);
        return k;
}

int state_boot_id(char *buf, size_t size)
{
        char line[64];
        FILE *f;
        size_t n;

        f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (!f)
                return -errno;
        if (!fgets(line, sizeof(line), f)) {
                fclose(f);
                return -EIO;
        }
        fclose(f);
        n = strcspn(line, "\n");
        if (n == 0 || n > STATE_BOOT_ID_MAX || n >= size || strspn(line, "0123456789abcdef-") != n)
                return -EBADMSG;
        memcpy(buf, line, n);
        buf[n] = '\0';
        return 0;
}
