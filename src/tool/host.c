/*
 * The libvirt installed on this machine, for `--to host`, `--from host`
 * and `to = host`: its version, found without a running daemon.
 *
 * libvirt's library answers with its own virGetVersion(), which every
 * release since 0.0.3 has, under the soname every release has had
 * (libvirt.so.0); the daemons, virsh and the library come from one source
 * package, so the library's version is the version of the libvirt that
 * reads this host's domain definitions.  virGetVersion() first initialises
 * libvirt (threads, error handling, its drivers), which has no business in
 * this process, so a child process loads the library and asks, and sends
 * the answer back through a pipe.
 */
#include "host.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define LIBVIRT_LIBRARY "libvirt.so.0"

typedef int (*get_version_fn)(unsigned long *lib_version, const char *type,
                              unsigned long *type_version);

/* In the child: what to send the parent, one line. */
static void ask_library(int out)
{
    char line[256];
    unsigned long version = 0;
    get_version_fn get_version;
    void *library = dlopen(LIBVIRT_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    const char *why;

    if (library == NULL) {
        why = dlerror();
        snprintf(line, sizeof(line), "none %s", why ? why : "cannot be loaded");
    } else if ((get_version = (get_version_fn)(uintptr_t)dlsym(library, "virGetVersion")) == NULL) {
        snprintf(line, sizeof(line), "error %s has no virGetVersion()", LIBVIRT_LIBRARY);
    } else if (get_version(&version, NULL, NULL) != 0 || version == 0) {
        snprintf(line, sizeof(line), "error virGetVersion() failed");
    } else {
        snprintf(line, sizeof(line), "version %lu", version);
    }
    if (write(out, line, strlen(line)) < 0)
        _exit(1);
    _exit(0);
}

/* Reads all the child says, up to size - 1 bytes. */
static size_t read_all(int fd, char *buf, size_t size)
{
    size_t got = 0;
    ssize_t n;

    while (got + 1 < size) {
        n = read(fd, buf + got, size - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

enum tool_host_status tool_host_libvirt_version(char *out, size_t size, char *why, size_t why_size)
{
    char answer[300];
    unsigned long version;
    int fds[2], wstatus;
    pid_t child;
    char *end;

    *out = '\0';
    *why = '\0';
    if (pipe(fds) != 0) {
        snprintf(why, why_size, "cannot create a pipe: %s", strerror(errno));
        return TOOL_HOST_ERROR;
    }
    fflush(NULL); /* nothing buffered is written twice */
    child = fork();
    if (child < 0) {
        snprintf(why, why_size, "cannot start a process: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return TOOL_HOST_ERROR;
    }
    if (child == 0) {
        close(fds[0]);
        ask_library(fds[1]);
    }
    close(fds[1]);
    read_all(fds[0], answer, sizeof(answer));
    close(fds[0]);
    while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR)
        ;

    if (strncmp(answer, "none ", 5) == 0) {
        snprintf(why, why_size, "%s", answer + 5);
        return TOOL_HOST_NO_LIBVIRT;
    }
    if (strncmp(answer, "version ", 8) == 0) {
        errno = 0;
        version = strtoul(answer + 8, &end, 10);
        if (errno == 0 && *end == '\0' && version > 0 && version < 1000000000UL) {
            snprintf(out, size, "libvirt-%lu.%lu.%lu", version / 1000000, version / 1000 % 1000,
                     version % 1000);
            return TOOL_HOST_OK;
        }
    }
    snprintf(why, why_size, "%s",
             strncmp(answer, "error ", 6) == 0 ? answer + 6
             : *answer != '\0'                 ? answer
                                               : "no answer from libvirt");
    return TOOL_HOST_ERROR;
}

const char *tool_host_resolve(const char *name, char *buf, size_t size, const char *what, char *why,
                              size_t why_size)
{
    char reason[256];

    if (strcmp(name, "host") != 0)
        return name;
    switch (tool_host_libvirt_version(buf, size, reason, sizeof(reason))) {
    case TOOL_HOST_OK: return buf;
    case TOOL_HOST_NO_LIBVIRT:
        snprintf(why, why_size,
                 "%s host: no libvirt is installed on this machine (%s); name the libvirt "
                 "version instead, for example %s libvirt-9.0.0",
                 what, reason, what);
        return NULL;
    case TOOL_HOST_ERROR: break;
    }
    snprintf(why, why_size,
             "%s host: cannot tell the version of this machine's libvirt (%s); name it "
             "instead, for example %s libvirt-9.0.0",
             what, reason, what);
    return NULL;
}
