/*
 * Runs a fuzz target once on each file given, and on each file directly
 * inside each directory given (names starting with "." or "README" are
 * skipped), without libFuzzer: the targets build with any C compiler and
 * replay a corpus deterministically.
 *
 *   fuzz_upgrade FILE|DIR...
 *
 * Exits 0 when every input ran; a violated invariant or a sanitizer report
 * aborts.  Exits 2 when a file or directory cannot be read.
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path, unsigned long *count)
{
    FILE *f;
    char *data = NULL;
    size_t len = 0, cap = 0, n;
    int rc = 0;

    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (len == cap) {
            char *bigger;
            cap = cap ? cap * 2 : 65536;
            bigger = realloc(data, cap);
            if (bigger == NULL) {
                fprintf(stderr, "replay: %s: out of memory\n", path);
                rc = -1;
                goto out;
            }
            data = bigger;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "replay: %s: read error\n", path);
        rc = -1;
        goto out;
    }
    {
        /* An exact-size copy, so reading past the input is caught. */
        char *exact = malloc(len ? len : 1);
        if (exact == NULL) {
            rc = -1;
            goto out;
        }
        memcpy(exact, data, len);
        LLVMFuzzerTestOneInput((const uint8_t *)exact, len);
        free(exact);
    }
    (*count)++;
out:
    free(data);
    fclose(f);
    return rc;
}

static int skipped(const char *name)
{
    return name[0] == '.' || strncmp(name, "README", 6) == 0;
}

static int run_dir(const char *path, unsigned long *count)
{
    struct dirent **names = NULL;
    int n, i, rc = 0;

    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (i = 0; i < n; i++) {
        char *file;
        struct stat st;

        if (!skipped(names[i]->d_name)) {
            file = malloc(strlen(path) + strlen(names[i]->d_name) + 2);
            if (file == NULL) {
                rc = -1;
            } else {
                sprintf(file, "%s/%s", path, names[i]->d_name);
                if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && run_file(file, count) < 0)
                    rc = -1;
                free(file);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned long count = 0;
    struct stat st;
    int i, status = 0;

    LLVMFuzzerInitialize(&argc, &argv);
    for (i = 1; i < argc; i++) {
        int rc;

        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = run_dir(argv[i], &count);
        else
            rc = run_file(argv[i], &count);
        if (rc < 0)
            status = 2;
    }
    fprintf(stderr, "replay: %s: %lu input(s) run\n", argv[0], count);
    return status;
}
