/*
 * QEMU capabilities files for the tool: read, parsed by the library, and
 * for the hook, found in libvirt's own cache.
 */
#include "caps.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "report.h"

/* libvirt's caches are about 100 KiB; a -device help about 25 KiB. */
#define MAX_CAPS_SIZE (16 * 1024 * 1024)

int tool_caps_load(const char *path, const char *what, int quiet, domcompat_caps **out)
{
    char buf[1024], why[256], prefix[64];
    const char *shown = report_display_name(path, buf, sizeof(buf));
    domcompat_error err;
    char *data = NULL;
    size_t len;
    int status = 0;

    *out = NULL;
    switch (tool_read_input(path, MAX_CAPS_SIZE, &data, &len, why, sizeof(why))) {
    case TOOL_READ_OK: break;
    case TOOL_READ_TOO_LARGE:
        if (!quiet)
            fprintf(stderr,
                    "%s: %s is %s; expected libvirt's QEMU capabilities cache or the output of "
                    "qemu-system-ARCH -device help\n",
                    shown, what, why);
        status = EXIT_USAGE;
        goto out;
    default:
        if (!quiet)
            fprintf(stderr, "domcompat: %s %s: %s\n", what, shown, why);
        status = EXIT_USAGE;
        goto out;
    }
    if (domcompat_caps_parse(out, shown, data, len, &err) != DOMCOMPAT_OK) {
        snprintf(prefix, sizeof(prefix), "%s: ", what);
        if (!quiet)
            report_error(stderr, shown, prefix, &err);
        status = err.code == DOMCOMPAT_ENOMEM ? EXIT_FAILURE_IO : EXIT_USAGE;
    }
out:
    free(data);
    return status;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.xml files of `dir`, sorted, in a NULL-terminated array to free; NULL when unreadable. */
static char **cache_files(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    char **names = NULL, **grown;
    size_t n = 0, len;

    *count = 0;
    if (d == NULL)
        return NULL;
    while ((entry = readdir(d)) != NULL) {
        len = strlen(entry->d_name);
        if (len < 5 || strcmp(entry->d_name + len - 4, ".xml") != 0 || entry->d_name[0] == '.')
            continue;
        if ((grown = realloc(names, (n + 2) * sizeof(*names))) == NULL)
            break;
        names = grown;
        if ((names[n] = malloc(strlen(dir) + len + 2)) == NULL)
            break;
        sprintf(names[n], "%s/%s", dir, entry->d_name);
        names[++n] = NULL;
    }
    closedir(d);
    if (names != NULL)
        qsort(names, n, sizeof(*names), by_name);
    *count = n;
    return names;
}

int tool_caps_for_domain(const char *dir, const char *label, const char *what, const char *data,
                         size_t len, domcompat_caps **out)
{
    char **files, shown[1024];
    domcompat_caps *caps = NULL;
    domcompat_error err;
    size_t count, i;
    int status = EXIT_USAGE, fits;

    *out = NULL;
    files = cache_files(dir, &count);
    for (i = 0; i < count && *out == NULL && status == EXIT_USAGE; i++) {
        /* A cache of libvirt's own that cannot be read is one not to use: try the next. */
        if (tool_caps_load(files[i], "QEMU capabilities", 1, &caps) != 0)
            continue;
        fits = domcompat_caps_fits(caps, data, len, &err);
        if (fits == 1) {
            *out = caps;
            caps = NULL; /* now owned by the caller */
            status = 0;
        } else if (fits < 0) {
            status = 1; /* the conversion reports the document */
        }
        domcompat_caps_free(caps);
        caps = NULL;
    }
    for (i = 0; i < count; i++)
        free(files[i]);
    free(files);
    if (status == EXIT_USAGE && what != NULL)
        fprintf(stderr,
                "%s: %s: no QEMU capabilities in %s are for the QEMU that runs "
                "this domain (its <emulator>, else its architecture); expected libvirt's cache "
                "of it, which libvirtd writes when it starts\n",
                label, what, report_display_name(dir, shown, sizeof(shown)));
    return status;
}
