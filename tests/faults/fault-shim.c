/*
 * fault-shim.so: an LD_PRELOAD library that makes one call of domcompat's
 * write path fail, for tests/run-batch.sh.
 *
 *   DOMCOMPAT_FAULT=CALL:N:ACTION    the Nth counted call of CALL does ACTION
 *   DOMCOMPAT_FAULT_LOG=FILE         a line "CALL N ACTION" is appended when it does
 *   DOMCOMPAT_FAULT_TRACE=FILE       a line "CALL N" is appended for every counted call
 *
 * CALL is openat, write, close, fsync, fchown, fchmod, fsetxattr, linkat,
 * renameat or renameat2.  Only the write path is counted: openat when it creates
 * (O_CREAT or O_TMPFILE), write and close on a descriptor so created, and every call of
 * the others (domcompat makes them only to write).  glibc's own stdio,
 * opendir and the dynamic loader call internal symbols, which an LD_PRELOAD
 * library does not see, so their writes and closes are never counted.
 *
 * ACTION is one of
 *   EIO, ENOSPC, ...      the call fails with that errno and does nothing
 *   short                 write: half the bytes are written; the next write
 *                         on that descriptor fails with ENOSPC
 *   unlink=PATH           PATH is removed, then the call is made
 *   append=PATH           a line is appended to PATH (same inode), then the call
 *   replace=PATH          PATH is replaced by a new file (another inode), then the call
 *   symlink=PATH>TARGET   PATH (a file or a directory) is moved aside to PATH.moved-aside
 *                         and a symbolic link to TARGET put in its place, then the call
 *   kill=SIGNAL           the process sends itself SIGNAL (a number), then the call
 *   kill-after=SIGNAL     the call, then SIGNAL: it arrives as the call returns
 *
 * The "other writer" of append and replace writes OTHER_WRITER below.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

#define OTHER_WRITER "<!-- written by another program during the run -->\n"

enum call {
    C_OPENAT,
    C_WRITE,
    C_CLOSE,
    C_FSYNC,
    C_FCHOWN,
    C_FCHMOD,
    C_FSETXATTR,
    C_LINKAT,
    C_RENAMEAT,
    C_RENAMEAT2,
    C_COUNT
};

static const char *const call_names[C_COUNT] = {
    "openat", "write",     "close",  "fsync",    "fchown",
    "fchmod", "fsetxattr", "linkat", "renameat", "renameat2",
};

static const struct {
    const char *name;
    int value;
} errno_names[] = {
    {"EIO", EIO},     {"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT},   {"EFBIG", EFBIG},
    {"EPERM", EPERM}, {"EACCES", EACCES}, {"EROFS", EROFS},     {"EINTR", EINTR},
    {"EXDEV", EXDEV}, {"EMLINK", EMLINK}, {"ENOTSUP", ENOTSUP}, {"EINVAL", EINVAL},
};

static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);
static int (*real_fsync)(int);
static int (*real_fchown)(int, uid_t, gid_t);
static int (*real_fchmod)(int, mode_t);
static int (*real_fsetxattr)(int, const char *, const void *, size_t, int);
static int (*real_linkat)(int, const char *, int, const char *, int);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);

/* The fault asked for. */
static enum call fault_call = C_COUNT;
static unsigned long fault_number;
static char fault_action[4096];
static const char *log_path, *trace_path;

static unsigned long counts[C_COUNT];

/* kill-after: the signal to send once the call is made. */
static volatile sig_atomic_t signal_after;

/* Descriptors created with O_CREAT or O_TMPFILE: 1 created, 2 created and cut short by "short". */
#define MAX_FD 65536
static volatile unsigned char created[MAX_FD];

static void die(const char *what)
{
    static const char prefix[] = "fault-shim: ";

    ssize_t ignored = syscall(SYS_write, 2, prefix, sizeof(prefix) - 1);

    ignored += syscall(SYS_write, 2, what, strlen(what));
    ignored += syscall(SYS_write, 2, "\n", 1);
    (void)ignored;
    _exit(99);
}

static void append_line(const char *path, const char *line)
{
    int fd;

    if (path == NULL)
        return;
    fd = real_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        die("cannot open the log");
    real_write(fd, line, strlen(line));
    real_close(fd);
}

/* dlsym's object pointer into a function pointer, as POSIX allows and ISO C cannot say. */
static void resolve(void *function_pointer, const char *name)
{
    void *symbol = dlsym(RTLD_NEXT, name);

    if (symbol == NULL)
        die("dlsym cannot find the real function");
    memcpy(function_pointer, &symbol, sizeof(symbol));
}

__attribute__((constructor)) static void fault_shim_init(void)
{
    const char *spec = getenv("DOMCOMPAT_FAULT");
    char name[32];
    int used = 0;
    size_t i;

    resolve(&real_openat, "openat");
    resolve(&real_write, "write");
    resolve(&real_close, "close");
    resolve(&real_fsync, "fsync");
    resolve(&real_fchown, "fchown");
    resolve(&real_fchmod, "fchmod");
    resolve(&real_fsetxattr, "fsetxattr");
    resolve(&real_linkat, "linkat");
    resolve(&real_renameat, "renameat");
    resolve(&real_renameat2, "renameat2");
    log_path = getenv("DOMCOMPAT_FAULT_LOG");
    trace_path = getenv("DOMCOMPAT_FAULT_TRACE");
    if (spec == NULL || *spec == '\0')
        return;
    if (sscanf(spec, "%31[a-z0-9]:%lu:%n", name, &fault_number, &used) != 2 || used == 0 ||
        fault_number == 0 || strlen(spec + used) >= sizeof(fault_action))
        die("DOMCOMPAT_FAULT: expected CALL:N:ACTION");
    strcpy(fault_action, spec + used);
    for (i = 0; i < C_COUNT; i++)
        if (strcmp(name, call_names[i]) == 0)
            fault_call = (enum call)i;
    if (fault_call == C_COUNT)
        die("DOMCOMPAT_FAULT: unknown call");
}

/* The other writer's work: what append= and replace= do to a file. */
static void other_writer(const char *path, int replace)
{
    char temp[4200];
    int fd;

    snprintf(temp, sizeof(temp), "%s.other-writer", path);
    fd = real_openat(AT_FDCWD, replace ? temp : path,
                     O_WRONLY | O_CLOEXEC | (replace ? O_CREAT | O_TRUNC : O_APPEND), 0644);
    if (fd < 0 || real_write(fd, OTHER_WRITER, sizeof(OTHER_WRITER) - 1) < 0 || real_close(fd) != 0)
        die("the other writer cannot write");
    if (replace && real_renameat(AT_FDCWD, temp, AT_FDCWD, path) != 0)
        die("the other writer cannot rename");
}

/* What symlink=PATH>TARGET does: a link planted where a file or a directory was. */
static void plant_symlink(const char *spec)
{
    char path[4096], aside[4200];
    const char *arrow = strchr(spec, '>');

    if (arrow == NULL || (size_t)(arrow - spec) >= sizeof(path))
        die("symlink=: expected PATH>TARGET");
    memcpy(path, spec, (size_t)(arrow - spec));
    path[arrow - spec] = '\0';
    snprintf(aside, sizeof(aside), "%s.moved-aside", path);
    if (real_renameat(AT_FDCWD, path, AT_FDCWD, aside) != 0 || symlink(arrow + 1, path) != 0)
        die("symlink=: cannot put the link in place");
}

/*
 * Counts a call and says what to do with it: 0 make it, -1 fail it (errno
 * set), 1 (write only) make it short.
 */
static int count(enum call call)
{
    unsigned long n = __sync_add_and_fetch(&counts[call], 1);
    char line[4200];
    size_t i;

    if (trace_path != NULL) {
        snprintf(line, sizeof(line), "%s %lu\n", call_names[call], n);
        append_line(trace_path, line);
    }
    if (call != fault_call || n != fault_number)
        return 0;
    snprintf(line, sizeof(line), "%s %lu %s\n", call_names[call], n, fault_action);
    append_line(log_path, line);

    if (strcmp(fault_action, "short") == 0) {
        if (call != C_WRITE)
            die("short: only write can be short");
        return 1;
    }
    if (strncmp(fault_action, "unlink=", 7) == 0) {
        if (unlink(fault_action + 7) != 0)
            die("unlink= failed");
        return 0;
    }
    if (strncmp(fault_action, "append=", 7) == 0 || strncmp(fault_action, "replace=", 8) == 0) {
        int replace = fault_action[0] == 'r';

        other_writer(fault_action + (replace ? 8 : 7), replace);
        return 0;
    }
    if (strncmp(fault_action, "symlink=", 8) == 0) {
        plant_symlink(fault_action + 8);
        return 0;
    }
    if (strncmp(fault_action, "kill=", 5) == 0) {
        kill(getpid(), atoi(fault_action + 5));
        return 0;
    }
    if (strncmp(fault_action, "kill-after=", 11) == 0) {
        signal_after = atoi(fault_action + 11);
        return 0;
    }
    for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++) {
        if (strcmp(fault_action, errno_names[i].name) == 0) {
            errno = errno_names[i].value;
            return -1;
        }
    }
    die("DOMCOMPAT_FAULT: unknown action");
    return 0;
}

/* After a call: sends the kill-after signal if one is due, keeping the call's errno. */
static void signal_if_due(void)
{
    int saved = errno, sig = signal_after;

    if (sig != 0) {
        signal_after = 0;
        kill(getpid(), sig);
    }
    errno = saved;
}

static int is_created(int fd)
{
    return fd >= 0 && fd < MAX_FD && created[fd] != 0;
}

int openat(int dir_fd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    int fd;

    if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE) {
        va_list ap;

        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((flags & O_CREAT) == 0 && (flags & O_TMPFILE) != O_TMPFILE)
        return real_openat(dir_fd, path, flags, mode);
    if (count(C_OPENAT) < 0)
        return -1;
    fd = real_openat(dir_fd, path, flags, mode);
    if (fd >= 0 && fd < MAX_FD)
        created[fd] = 1;
    signal_if_due();
    return fd;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    ssize_t rc;
    int what;

    if (!is_created(fd))
        return real_write(fd, buf, len);
    if (created[fd] == 2) {
        created[fd] = 1;
        errno = ENOSPC;
        return -1;
    }
    what = count(C_WRITE);
    if (what < 0)
        return -1;
    if (what == 1 && len > 1) {
        created[fd] = 2;
        len /= 2;
    }
    rc = real_write(fd, buf, len);
    signal_if_due();
    return rc;
}

int close(int fd)
{
    int rc;

    if (!is_created(fd))
        return real_close(fd);
    created[fd] = 0;
    if (count(C_CLOSE) < 0) {
        /* Like NFS reporting an error at close: the descriptor is gone all the same. */
        int saved = errno;

        real_close(fd);
        errno = saved;
        return -1;
    }
    rc = real_close(fd);
    signal_if_due();
    return rc;
}

int fsync(int fd)
{
    int rc;

    if (count(C_FSYNC) < 0)
        return -1;
    rc = real_fsync(fd);
    signal_if_due();
    return rc;
}

int fchown(int fd, uid_t uid, gid_t gid)
{
    int rc;

    if (count(C_FCHOWN) < 0)
        return -1;
    rc = real_fchown(fd, uid, gid);
    signal_if_due();
    return rc;
}

int fchmod(int fd, mode_t mode)
{
    int rc;

    if (count(C_FCHMOD) < 0)
        return -1;
    rc = real_fchmod(fd, mode);
    signal_if_due();
    return rc;
}

int fsetxattr(int fd, const char *name, const void *value, size_t size, int flags)
{
    int rc;

    if (count(C_FSETXATTR) < 0)
        return -1;
    rc = real_fsetxattr(fd, name, value, size, flags);
    signal_if_due();
    return rc;
}

int linkat(int from_dir, const char *from, int to_dir, const char *to, int flags)
{
    int rc;

    if (count(C_LINKAT) < 0)
        return -1;
    rc = real_linkat(from_dir, from, to_dir, to, flags);
    signal_if_due();
    return rc;
}

int renameat(int from_dir, const char *from, int to_dir, const char *to)
{
    int rc;

    if (count(C_RENAMEAT) < 0)
        return -1;
    rc = real_renameat(from_dir, from, to_dir, to);
    signal_if_due();
    return rc;
}

int renameat2(int from_dir, const char *from, int to_dir, const char *to, unsigned int flags)
{
    int rc;

    if (count(C_RENAMEAT2) < 0)
        return -1;
    rc = real_renameat2(from_dir, from, to_dir, to, flags);
    signal_if_due();
    return rc;
}
