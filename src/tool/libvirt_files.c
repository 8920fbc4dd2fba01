/*
 * libvirt's own files.  libvirt reads every domain definition it keeps at
 * its next start, and drops one it cannot parse, so a file of libvirt's is
 * never to be written in a form no released libvirt reads.  Two signs:
 *
 * - the comment libvirt writes before the root of every file it saves
 *   (src/util/virxml.c, virXMLSaveFile): "WARNING: THIS IS AN
 *   AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE OVERWRITTEN AND
 *   LOST. ...", whatever directory the file was copied to;
 * - where it lies: under the directories libvirt keeps definitions and
 *   state in, system-wide (/etc/libvirt, /run/libvirt, /var/lib/libvirt)
 *   and per user ($XDG_CONFIG_HOME/libvirt, $XDG_RUNTIME_DIR/libvirt).
 */
#include "libvirt_files.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER_MARK "AUTO-GENERATED FILE"

/* Whether a comment before the root element holds libvirt's header. */
static int has_header(const char *data, size_t len)
{
    const char *p = data, *end = data + len, *close;

    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            p++;
        } else if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            close = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
            if (close == NULL)
                return 0;
            if (memmem(p + 4, (size_t)(close - p - 4), HEADER_MARK, strlen(HEADER_MARK)) != NULL)
                return 1;
            p = close + 3;
        } else if (end - p >= 2 && memcmp(p, "<?", 2) == 0) {
            close = memmem(p + 2, (size_t)(end - p - 2), "?>", 2);
            if (close == NULL)
                return 0;
            p = close + 2;
        } else {
            return 0; /* the root element, or anything else: the prolog is over */
        }
    }
    return 0;
}

/* Whether the real path `dir` is `base` (resolved) or below it; `base` NULL or missing: no. */
static int is_under(const char *dir, const char *base)
{
    char resolved[PATH_MAX];
    size_t n;

    if (base == NULL || realpath(base, resolved) == NULL)
        return 0;
    n = strlen(resolved);
    return strncmp(dir, resolved, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

const char *tool_libvirt_owned(const char *data, size_t len, int dir_fd, char *buf, size_t size)
{
    static const char *const system_dirs[] = {"/etc/libvirt", "/run/libvirt", "/var/run/libvirt",
                                              "/var/lib/libvirt"};
    char link[64], dir[PATH_MAX], user[PATH_MAX];
    const char *home = getenv("HOME"), *config = getenv("XDG_CONFIG_HOME"),
               *runtime = getenv("XDG_RUNTIME_DIR");
    ssize_t n;
    size_t i;

    if (has_header(data, len)) {
        snprintf(buf, size, "carries libvirt's AUTO-GENERATED header");
        return buf;
    }
    snprintf(link, sizeof(link), "/proc/self/fd/%d", dir_fd);
    if ((n = readlink(link, dir, sizeof(dir) - 1)) <= 0)
        return NULL;
    dir[n] = '\0';
    for (i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
        if (is_under(dir, system_dirs[i])) {
            snprintf(buf, size, "is under %s", system_dirs[i]);
            return buf;
        }
    }
    if (config != NULL && *config == '/')
        snprintf(user, sizeof(user), "%s/libvirt", config);
    else if (home != NULL && *home == '/')
        snprintf(user, sizeof(user), "%s/.config/libvirt", home);
    else
        user[0] = '\0';
    if (user[0] != '\0' && is_under(dir, user)) {
        snprintf(buf, size, "is under %s", user);
        return buf;
    }
    if (runtime != NULL && *runtime == '/') {
        snprintf(user, sizeof(user), "%s/libvirt", runtime);
        if (is_under(dir, user)) {
            snprintf(buf, size, "is under %s", user);
            return buf;
        }
    }
    return NULL;
}
