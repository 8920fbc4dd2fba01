#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/*
 * Temporary files being written, for tool_write_remove_pending().  A slot is
 * claimed with an atomic compare-and-swap, so each writing thread owns one
 * without a lock a signal handler could be caught holding.  A name is
 * published before the call that creates it, so there is no moment when the
 * file exists and the handler does not know it.  Each writer uses two: the
 * new file and the backup's temporary link.
 */
#define PENDING_SLOTS 512
static struct pending_temp {
    volatile sig_atomic_t state; /* 0 free, 1 claimed, 2 names a file to remove */
    int dir_fd;
    char name[NAME_MAX + 1];
} pending[PENDING_SLOTS];

/*
 * Set by the handler.  `creating` counts the writers between publishing a
 * name and knowing whether they created it; the handler waits for them, and
 * none starts once `dying` is set (each checks it after counting itself, the
 * handler reads the count after setting it, so one of them sees the other).
 */
static volatile sig_atomic_t dying;
static volatile int creating;

static struct pending_temp *pending_claim(void)
{
    size_t i;

    for (i = 0; i < PENDING_SLOTS; i++)
        if (__sync_bool_compare_and_swap(&pending[i].state, 0, 1))
            return &pending[i];
    return NULL; /* more writers than slots: a signal may leave this one's temp file behind */
}

static void pending_release(struct pending_temp *slot)
{
    if (slot != NULL)
        __sync_lock_release(&slot->state);
}

/* The file named in `slot` is renamed or removed: nothing for the handler to remove. */
static void pending_withdraw(struct pending_temp *slot)
{
    if (slot != NULL)
        slot->state = 1;
}

/*
 * Publishes dir_fd/name, about to be created, for the handler.  Returns -1
 * (EINTR) when a fatal signal is being handled and nothing may be created;
 * otherwise the caller creates it and then calls creation_end().
 */
static int creation_begin(struct pending_temp *slot, int dir_fd, const char *name)
{
    if (slot != NULL) {
        slot->state = 1; /* the handler must not read a half-written name */
        __sync_synchronize();
        slot->dir_fd = dir_fd;
        snprintf(slot->name, sizeof(slot->name), "%s", name);
        __sync_synchronize();
        slot->state = 2;
    }
    __sync_add_and_fetch(&creating, 1);
    if (dying) {
        __sync_sub_and_fetch(&creating, 1);
        errno = EINTR;
        return -1;
    }
    return 0;
}

static void creation_end(void)
{
    __sync_sub_and_fetch(&creating, 1);
}

static void remove_published(void)
{
    size_t i;

    for (i = 0; i < PENDING_SLOTS; i++)
        if (pending[i].state == 2)
            unlinkat(pending[i].dir_fd, pending[i].name, 0);
}

void tool_write_remove_pending(void)
{
    const struct timespec pause = {0, 1000000};
    int waited;

    dying = 1;
    __sync_synchronize();
    remove_published();
    /*
     * A writer in another thread may be creating its file at this moment:
     * wait for it, then look again.  Not for long: when the signal
     * interrupted a writer of this very thread, that one never finishes.
     */
    for (waited = 0; creating > 0 && waited < 100; waited++)
        nanosleep(&pause, NULL);
    remove_published();
}

const char *tool_write_step_describe(enum tool_write_step step)
{
    switch (step) {
    case TOOL_STEP_CREATE: return "cannot create a temporary file beside it";
    case TOOL_STEP_OWNER: return "cannot give the new file the original's owner and group";
    case TOOL_STEP_MODE: return "cannot give the new file the original's mode";
    case TOOL_STEP_LABELS: return "cannot give the new file the original's SELinux label or ACL";
    case TOOL_STEP_WRITE: return "cannot write the new content";
    case TOOL_STEP_FSYNC: return "cannot flush the new content to disk";
    case TOOL_STEP_CLOSE: return "cannot close the new file";
    case TOOL_STEP_CHANGED: return "it changed or vanished while being converted";
    case TOOL_STEP_BACKUP: return "cannot keep the original as the backup";
    case TOOL_STEP_RENAME: return "cannot rename the new file over it";
    case TOOL_STEP_SYNC_DIR: return "replaced, but its directory cannot be synced to disk";
    }
    return "cannot write it";
}

/*
 * The generator of temporary names, seeded once a run: a getrandom() for
 * every name cost a system call a file.  Successive numbers of an atomic
 * counter, offset by the seed, go through splitmix64's mixing function, so
 * the writing threads share it without a lock and no two draws of a run
 * give the same 64 bits.  A name already taken, guessed or not, costs only a
 * retry: create_temp() uses O_EXCL.  The clock and the process id stand in
 * for the seed when getrandom cannot give one.
 */
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;
static uint64_t seed, draws;

static void draw_seed(void)
{
    struct timespec now;

    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    seed = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 32) ^ ((uint64_t)getpid() << 16);
}

static uint64_t next_random(void)
{
    uint64_t z;

    pthread_once(&seed_once, draw_seed);
    z = seed + __sync_add_and_fetch(&draws, 1) * UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Six random letters or digits. */
static void random_suffix(char out[7])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t bits = next_random();
    size_t i;

    for (i = 0; i < 6; i++, bits /= sizeof(alphabet) - 1)
        out[i] = alphabet[bits % (sizeof(alphabet) - 1)];
    out[6] = '\0';
}

/*
 * Creates ".NAME.XXXXXX" in dir_fd, exclusively and without following a
 * planted symbolic link, published in `slot`; a long NAME is shortened so
 * the whole stays a legal file name.
 */
static int create_temp(struct pending_temp *slot, int dir_fd, const char *name, char *temp,
                       size_t size)
{
    int attempt;

    for (attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        int fd;

        random_suffix(suffix);
        snprintf(temp, size, ".%.*s.%s", NAME_MAX - 8, name, suffix);
        if (creation_begin(slot, dir_fd, temp) != 0)
            return -1;
        fd = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        creation_end();
        if (fd >= 0)
            return fd;
        pending_withdraw(slot); /* not ours: someone else's file, or none */
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

/* The extended attributes that carry access control; other attributes are not copied. */
static const char *const security_attributes[] = {"security.selinux", "system.posix_acl_access"};

/*
 * Copies the original's SELinux label and ACL.  An attribute the original
 * does not have is fine; one it has and the new file cannot take is not.
 */
static int copy_security_attributes(int from_fd, int to_fd)
{
    size_t i;

    for (i = 0; i < sizeof(security_attributes) / sizeof(security_attributes[0]); i++) {
        char value[65536];
        ssize_t n = fgetxattr(from_fd, security_attributes[i], value, sizeof(value));

        if (n < 0 && (errno == ENODATA || errno == ENOTSUP))
            continue;
        if (n < 0)
            return -1;
        if (fsetxattr(to_fd, security_attributes[i], value, (size_t)n, 0) != 0)
            return -1;
    }
    return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Gives the new file the original's owner, group, mode and labels, or plan->mode. */
static int copy_metadata(const struct tool_write_plan *plan, int fd, enum tool_write_step *step)
{
    const struct stat *st = plan->original;

    if (plan->original_fd < 0) {
        *step = TOOL_STEP_MODE;
        return fchmod(fd, plan->mode & 0777);
    }
    /* Owner first: changing it clears setuid and setgid bits. */
    *step = TOOL_STEP_OWNER;
    if ((st->st_uid != geteuid() || st->st_gid != getegid()) &&
        fchown(fd, st->st_uid, st->st_gid) != 0)
        return -1;
    *step = TOOL_STEP_MODE;
    if (fchmod(fd, st->st_mode & 07777) != 0)
        return -1;
    *step = TOOL_STEP_LABELS;
    return copy_security_attributes(plan->original_fd, fd);
}

/* Is plan->name still the very file that was read? */
static int unchanged_since_read(const struct tool_write_plan *plan)
{
    const struct stat *then = plan->original;
    struct stat now;

    if (fstatat(plan->dir_fd, plan->name, &now, AT_SYMLINK_NOFOLLOW) != 0)
        return 0;
    return now.st_dev == then->st_dev && now.st_ino == then->st_ino &&
           now.st_size == then->st_size && now.st_mtim.tv_sec == then->st_mtim.tv_sec &&
           now.st_mtim.tv_nsec == then->st_mtim.tv_nsec &&
           now.st_ctim.tv_sec == then->st_ctim.tv_sec &&
           now.st_ctim.tv_nsec == then->st_ctim.tv_nsec;
}

/*
 * Keeps the original as NAME+SUFFIX by linking its inode there (through a
 * temporary name, so an old backup is replaced atomically too): the backup
 * is the original itself, with its bytes, owner, mode and times, and NAME
 * never stops existing.
 */
static int keep_backup(const struct tool_write_plan *plan)
{
    struct pending_temp *slot = NULL;
    char backup[PATH_MAX], temp[NAME_MAX + 1];
    int attempt, rc = -1, saved;

    if ((size_t)snprintf(backup, sizeof(backup), "%s%s", plan->name, plan->backup_suffix) >=
            sizeof(backup) ||
        strlen(backup) > NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    slot = pending_claim();
    for (attempt = 0; attempt < 100; attempt++) {
        char suffix[7];
        int linked;

        random_suffix(suffix);
        snprintf(temp, sizeof(temp), ".%.*s.%s", NAME_MAX - 8, backup, suffix);
        if (creation_begin(slot, plan->dir_fd, temp) != 0)
            goto out;
        linked = linkat(plan->dir_fd, plan->name, plan->dir_fd, temp, 0);
        creation_end();
        if (linked == 0)
            break;
        pending_withdraw(slot);
        if (errno != EEXIST)
            goto out;
    }
    if (attempt == 100)
        goto out;
    if (renameat(plan->dir_fd, temp, plan->dir_fd, backup) != 0) {
        saved = errno;
        unlinkat(plan->dir_fd, temp, 0);
        errno = saved;
        goto out;
    }
    rc = 0;
out:
    saved = errno;
    pending_withdraw(slot);
    pending_release(slot);
    errno = saved;
    return rc;
}

static int fail(struct tool_write_failure *failure, enum tool_write_step step, int error)
{
    failure->step = step;
    failure->error = error;
    failure->replaced = step == TOOL_STEP_SYNC_DIR;
    return -1;
}

int tool_write_atomic(const struct tool_write_plan *plan, const char *data, size_t len,
                      struct tool_write_failure *failure)
{
    struct pending_temp *slot = pending_claim();
    enum tool_write_step step = TOOL_STEP_CREATE;
    char temp[NAME_MAX + 1];
    int fd, saved;

    fd = create_temp(slot, plan->dir_fd, plan->name, temp, sizeof(temp));
    if (fd < 0) {
        saved = errno;
        pending_release(slot);
        return fail(failure, TOOL_STEP_CREATE, saved);
    }
    if (copy_metadata(plan, fd, &step) != 0)
        goto failed;
    step = TOOL_STEP_WRITE;
    if (write_all(fd, data, len) != 0)
        goto failed;
    /* A failed fsync is never retried: the kernel may have dropped the dirty pages already. */
    step = TOOL_STEP_FSYNC;
    if (plan->durable && fsync(fd) != 0)
        goto failed;
    step = TOOL_STEP_CLOSE;
    saved = close(fd);
    fd = -1;
    if (saved != 0)
        goto failed;
    if (plan->original_fd >= 0 && !unchanged_since_read(plan)) {
        errno = 0;
        step = TOOL_STEP_CHANGED;
        goto failed;
    }
    step = TOOL_STEP_BACKUP;
    if (plan->backup_suffix != NULL && keep_backup(plan) != 0)
        goto failed;
    step = TOOL_STEP_RENAME;
    if (renameat(plan->dir_fd, temp, plan->dir_fd, plan->name) != 0)
        goto failed;
    pending_withdraw(slot);
    pending_release(slot);
    if (plan->durable && fsync(plan->dir_fd) != 0)
        return fail(failure, TOOL_STEP_SYNC_DIR, errno);
    return 0;

failed:
    saved = errno;
    if (fd >= 0)
        close(fd);
    unlinkat(plan->dir_fd, temp, 0);
    pending_withdraw(slot);
    pending_release(slot);
    return fail(failure, step, saved);
}
