#include "write.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/*
 * Temporary files being written, for the signal handler.  A slot is
 * claimed with an atomic compare-and-swap, so each writing thread owns one
 * without a lock a signal handler could be caught holding.  A name is
 * published before the call that creates it, so there is no moment when the
 * file exists and the handler does not know it; it is withdrawn before the
 * name can come to hold anything but the new content (the exchange).
 */
#define PENDING_SLOTS 512
static struct pending_temp {
    volatile sig_atomic_t state; /* 0 free, 1 claimed, 2 names a file to remove */
    int dir_fd;
    char name[NAME_MAX + 1];
} pending[PENDING_SLOTS];

/*
 * Set by the handler.  `creating` counts the writers between publishing a
 * name and knowing whether they created it, `critical` those between the
 * last check and the end of a replacement in place (the exchange, the check
 * after it and what follows); the handler waits for both, and none starts
 * once `dying` is set (each checks it after counting itself, the handler
 * reads the counts after setting it, so one of them sees the other).  A
 * writer blocks the fatal signals in its own thread for its critical
 * section, so the handler never waits for the thread it interrupted there.
 */
static volatile sig_atomic_t dying;
static volatile int creating, critical;
static sigset_t fatal_signals;

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
    if (slot != NULL) {
        slot->state = 1;
        __sync_synchronize();
    }
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

/*
 * Enters a section no fatal signal may cut short; -1 (EINTR) when one is
 * being handled already.  `saved` receives the thread's signal mask.
 */
static int critical_begin(sigset_t *saved)
{
    pthread_sigmask(SIG_BLOCK, &fatal_signals, saved);
    __sync_add_and_fetch(&critical, 1);
    if (dying) {
        __sync_sub_and_fetch(&critical, 1);
        pthread_sigmask(SIG_SETMASK, saved, NULL);
        errno = EINTR;
        return -1;
    }
    return 0;
}

/* Leaves it; a fatal signal that came meanwhile is delivered now. */
static void critical_end(const sigset_t *saved)
{
    __sync_sub_and_fetch(&critical, 1);
    pthread_sigmask(SIG_SETMASK, saved, NULL);
}

static void remove_published(void)
{
    size_t i;

    for (i = 0; i < PENDING_SLOTS; i++)
        if (pending[i].state == 2)
            unlinkat(pending[i].dir_fd, pending[i].name, 0);
}

/*
 * Removes every temporary file being written; async-signal-safe.  Writers
 * in other threads that are creating a file or finishing a replacement are
 * waited for, a little: a file system that hangs must not hang the exit.
 */
static void remove_pending(void)
{
    const struct timespec pause = {0, 1000000};
    int waited;

    dying = 1;
    __sync_synchronize();
    remove_published();
    for (waited = 0; (creating > 0 || critical > 0) && waited < 2000; waited++)
        nanosleep(&pause, NULL);
    remove_published();
}

static void on_fatal_signal(int sig)
{
    remove_pending();
    /* Blocked until the handler returns, then fatal as it would have been. */
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Signals whose default is not to end the process, or that cannot be caught. */
static int ends_the_process(int sig)
{
    return sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGCONT && sig != SIGURG &&
           sig != SIGWINCH && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU &&
           (sig < 32 || sig >= SIGRTMIN);
}

void tool_write_handle_signals(void)
{
    struct sigaction action, current;
    int sig;

    sigemptyset(&fatal_signals);
    for (sig = 1; sig < NSIG; sig++)
        if (ends_the_process(sig) && sig != SIGXFSZ && sig != SIGPIPE)
            sigaddset(&fatal_signals, sig);
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_fatal_signal;
    action.sa_mask = fatal_signals; /* one handler at a time */
    for (sig = 1; sig < NSIG; sig++) {
        if (!ends_the_process(sig) || sigaction(sig, NULL, &current) != 0 ||
            current.sa_handler != SIG_DFL || (current.sa_flags & SA_SIGINFO) != 0)
            continue; /* ignored or handled already (nohup, a profiler, a sanitizer) */
        if (sig == SIGXFSZ || sig == SIGPIPE)
            signal(sig, SIG_IGN);
        else
            sigaction(sig, &action, NULL);
    }
}

const char *tool_write_step_describe(enum tool_write_step step)
{
    switch (step) {
    case TOOL_STEP_CREATE: return "cannot create a temporary file beside it";
    case TOOL_STEP_OWNER: return "cannot give the new file the original's owner and group";
    case TOOL_STEP_MODE: return "cannot give the new file the original's mode";
    case TOOL_STEP_ATTRIBUTES:
        return "cannot give the new file the original's extended attributes (SELinux label, ACL, "
               "user.*)";
    case TOOL_STEP_WRITE: return "cannot write the new content";
    case TOOL_STEP_FSYNC: return "cannot flush the new content to disk";
    case TOOL_STEP_CLOSE: return "cannot close the new file";
    case TOOL_STEP_CHANGED: return "it changed or vanished while being converted";
    case TOOL_STEP_BACKUP: return "cannot keep the original as its backup";
    case TOOL_STEP_RENAME: return "cannot rename the new file over it";
    case TOOL_STEP_CLEANUP: return "replaced, but the original's temporary name cannot be removed";
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
 * retry: claim_temp_name() uses O_EXCL.  The clock and the process id stand in
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

/* The letters of a temporary name's random part, and how many there are. */
static const char temp_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
#define TEMP_RANDOM 6

static void random_suffix(char out[TEMP_RANDOM + 1])
{
    uint64_t bits = next_random();
    size_t i;

    for (i = 0; i < TEMP_RANDOM; i++, bits /= sizeof(temp_alphabet) - 1)
        out[i] = temp_alphabet[bits % (sizeof(temp_alphabet) - 1)];
    out[TEMP_RANDOM] = '\0';
}

/*
 * The new file of a replacement in place starts without a name
 * (O_TMPFILE): if the run is killed while writing it, nothing is left.
 * It is named only once complete (claim_temp_name()), just before it takes the
 * original's place.  -1 with errno EOPNOTSUPP where the file system cannot
 * (then a named temporary file it is), or the error that would stop a
 * named one too.
 */
static int open_unnamed(int dir_fd)
{
    int fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);

    if (fd < 0 && (errno == EISDIR || errno == EINVAL || errno == ENOTSUP || errno == EOPNOTSUPP))
        errno = EOPNOTSUPP;
    return fd;
}

/* Links the open file `fd` as dir_fd/name, which must not exist yet. */
static int link_open_file(int fd, int dir_fd, const char *name)
{
    char path[64];
    int saved;

    /* By descriptor, never by name: what is linked is the file that was read (or written),
     * whatever any name holds now.  /proc needs no privilege, AT_EMPTY_PATH needs
     * CAP_DAC_READ_SEARCH. */
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, path, dir_fd, name, AT_SYMLINK_FOLLOW) == 0)
        return 0;
    saved = errno;
    if (saved != ENOENT || access("/proc/self/fd", F_OK) == 0) {
        errno = saved; /* ENOENT with /proc there: the file has no name left, it was removed */
        return -1;
    }
    return linkat(fd, "", dir_fd, name, AT_EMPTY_PATH);
}

/*
 * Gives a new file a free temporary name ".NAME.XXXXXX" in dir_fd,
 * published in `slot` (a long NAME is shortened so the whole stays a legal
 * file name): the unnamed file `fd` is linked under it, or, when `fd`
 * is -1, the file is created there, exclusively and without following a
 * planted symbolic link.  Returns the file's descriptor, or -1.
 */
static int claim_temp_name(struct pending_temp *slot, int dir_fd, int fd, const char *name,
                           char *temp, size_t size)
{
    int attempt;

    for (attempt = 0; attempt < 100; attempt++) {
        char suffix[TEMP_RANDOM + 1];
        int made;

        random_suffix(suffix);
        snprintf(temp, size, ".%.*s.%s", NAME_MAX - 8, name, suffix);
        if (creation_begin(slot, dir_fd, temp) != 0)
            return -1;
        if (fd < 0)
            made = openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        else
            made = link_open_file(fd, dir_fd, temp) == 0 ? fd : -1;
        creation_end();
        if (made >= 0)
            return made;
        pending_withdraw(slot); /* not ours: someone else's file, or none */
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

/*
 * Copies every extended attribute of the original, as cp --preserve=xattr
 * does: the SELinux label, the ACL (system.posix_acl_access) and the user's
 * own (user.*).  One the new file cannot take is an error: the original
 * stays, with all of them.
 */
static int copy_extended_attributes(int from_fd, int to_fd)
{
    char names[65536], value[65536];
    ssize_t listed = flistxattr(from_fd, names, sizeof(names));
    size_t at;

    if (listed < 0)
        return errno == ENOTSUP ? 0 : -1;
    for (at = 0; at < (size_t)listed; at += strlen(names + at) + 1) {
        ssize_t n = fgetxattr(from_fd, names + at, value, sizeof(value));

        if (n < 0 && errno == ENODATA)
            continue; /* removed since it was listed */
        if (n < 0 || fsetxattr(to_fd, names + at, value, (size_t)n, 0) != 0)
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

/* Gives the new file the original's owner, group, mode and attributes, or plan->mode. */
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
    *step = TOOL_STEP_ATTRIBUTES;
    return copy_extended_attributes(plan->original_fd, fd);
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Same file and same content as far as stat tells: size and modification time. */
static int same_content(const struct stat *now, const struct stat *then)
{
    return same_file(now, then) && now->st_size == then->st_size &&
           now->st_mtim.tv_sec == then->st_mtim.tv_sec &&
           now->st_mtim.tv_nsec == then->st_mtim.tv_nsec;
}

/* Does dir_fd/name hold the file `st` describes (not a link to it)? */
static int holds(int dir_fd, const char *name, const struct stat *st)
{
    struct stat there;

    return fstatat(dir_fd, name, &there, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&there, st);
}

/* Is plan->name still the very file that was read, down to its metadata (ctime)? */
static int unchanged_since_read(const struct tool_write_plan *plan)
{
    const struct stat *then = plan->original;
    struct stat now;

    return fstatat(plan->dir_fd, plan->name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
           same_content(&now, then) && now.st_ctim.tv_sec == then->st_ctim.tv_sec &&
           now.st_ctim.tv_nsec == then->st_ctim.tv_nsec;
}

/* --- backups ---------------------------------------------------------------------- */

/* The N of "NAME.~N~", or 0 when `entry` is not a numbered backup of `name`. */
static unsigned long backup_number(const char *entry, const char *name, size_t name_len)
{
    unsigned long n = 0;
    const char *p;

    if (strncmp(entry, name, name_len) != 0 || strncmp(entry + name_len, ".~", 2) != 0)
        return 0;
    for (p = entry + name_len + 2; *p >= '0' && *p <= '9'; p++) {
        if (n > (ULONG_MAX - 9) / 10)
            return 0;
        n = n * 10 + (unsigned long)(*p - '0');
    }
    if (p == entry + name_len + 2 || (p[-1] == '0' && p - 1 == entry + name_len + 2) ||
        strcmp(p, "~") != 0)
        return 0;
    return n;
}

/*
 * The highest N of the numbered backups of `name` in dir_fd (0: none), read
 * from its own open of the directory: dir_fd may be shared with other
 * threads, and a directory stream moves its descriptor's offset.
 */
static int highest_backup(int dir_fd, const char *name, unsigned long *highest)
{
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    size_t name_len = strlen(name);
    struct dirent *entry;
    DIR *dir;

    *highest = 0;
    if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while ((errno = 0, entry = readdir(dir)) != NULL) {
        unsigned long n = backup_number(entry->d_name, name, name_len);

        if (n > *highest)
            *highest = n;
    }
    fd = errno;
    closedir(dir);
    errno = fd;
    return fd == 0 ? 0 : -1;
}

static enum tool_backup_control resolve_control(const struct tool_backup *backup, int dir_fd,
                                                const char *name, unsigned long *highest)
{
    *highest = 0;
    if (backup->control == TOOL_BACKUP_SIMPLE)
        return TOOL_BACKUP_SIMPLE;
    if (highest_backup(dir_fd, name, highest) != 0)
        return TOOL_BACKUP_NONE;
    if (backup->control == TOOL_BACKUP_EXISTING && *highest == 0)
        return TOOL_BACKUP_SIMPLE;
    return TOOL_BACKUP_NUMBERED;
}

static int make_name(char *out, size_t size, const char *name, const char *suffix,
                     unsigned long number)
{
    int n = number > 0 ? snprintf(out, size, "%s.~%lu~", name, number)
                       : snprintf(out, size, "%s%s", name, suffix);

    if (n < 0 || (size_t)n >= size || n > NAME_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int tool_backup_name(const struct tool_backup *backup, int dir_fd, const char *name, char *out,
                     size_t size)
{
    unsigned long highest;

    switch (resolve_control(backup, dir_fd, name, &highest)) {
    case TOOL_BACKUP_SIMPLE: return make_name(out, size, name, backup->suffix, 0);
    case TOOL_BACKUP_NUMBERED: return make_name(out, size, name, NULL, highest + 1);
    default: return -1;
    }
}

/*
 * What make_backup() did, for undoing it when the replacement does not
 * happen, and for finishing it after.
 */
struct backup_state {
    int wanted;
    int deferred; /* a simple backup that replaces: the original is renamed to it last */
    int created;  /* this run linked the original as `name` */
    char name[NAME_MAX + 1];
};

/*
 * Keeps the original as its backup before it is replaced, when the backup
 * must not replace anything: the original is linked, by its descriptor, as
 * NAME+SUFFIX or the next NAME.~N~ (a link never replaces a file), so the
 * backup is the file that was read, its bytes, owner, mode and times.  A
 * backup that replaces an older one is made last instead (finish_backup()),
 * so an older one stays when nothing is replaced.
 */
static int make_backup(const struct tool_write_plan *plan, struct backup_state *state)
{
    const struct tool_backup *backup = plan->backup;
    unsigned long highest, attempt;
    enum tool_backup_control control;

    memset(state, 0, sizeof(*state));
    if (backup == NULL || backup->control == TOOL_BACKUP_NONE)
        return 0;
    state->wanted = 1;
    control = resolve_control(backup, plan->dir_fd, plan->name, &highest);
    if (control == TOOL_BACKUP_NONE)
        return -1;
    if (control == TOOL_BACKUP_SIMPLE) {
        if (make_name(state->name, sizeof(state->name), plan->name, backup->suffix, 0) != 0)
            return -1;
        if (!backup->keep_existing) {
            state->deferred = 1;
            return 0;
        }
        if (link_open_file(plan->original_fd, plan->dir_fd, state->name) == 0) {
            state->created = 1;
            return 0;
        }
        /* The original itself, linked there by a run that was killed: that is the backup. */
        return errno == EEXIST && holds(plan->dir_fd, state->name, plan->original) ? 0 : -1;
    }
    if (highest > 0 &&
        make_name(state->name, sizeof(state->name), plan->name, NULL, highest) == 0 &&
        holds(plan->dir_fd, state->name, plan->original))
        return 0; /* the same: kept by a run that was killed */
    for (attempt = 1; attempt <= 100; attempt++) {
        if (make_name(state->name, sizeof(state->name), plan->name, NULL, highest + attempt) != 0)
            return -1;
        if (link_open_file(plan->original_fd, plan->dir_fd, state->name) == 0) {
            state->created = 1;
            return 0;
        }
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

/*
 * A backup that replaces an older one, made before the original leaves its
 * name (where names cannot be exchanged): the original is linked, by its
 * descriptor, to a temporary name, which is renamed over the backup.
 */
static int replace_backup_now(const struct tool_write_plan *plan, struct backup_state *state)
{
    char link[NAME_MAX + 1], suffix[TEMP_RANDOM + 1];
    int attempt, linked = -1, saved;

    for (attempt = 0; attempt < 100 && linked != 0; attempt++) {
        random_suffix(suffix);
        snprintf(link, sizeof(link), ".%.*s.%s", NAME_MAX - 8, state->name, suffix);
        linked = link_open_file(plan->original_fd, plan->dir_fd, link);
        if (linked != 0 && errno != EEXIST)
            return -1;
    }
    if (linked != 0)
        return -1;
    if (renameat(plan->dir_fd, link, plan->dir_fd, state->name) != 0) {
        saved = errno;
        unlinkat(plan->dir_fd, link, 0);
        errno = saved;
        return -1;
    }
    /* A rename between two links of one file does nothing: the backup was the original already. */
    if (holds(plan->dir_fd, link, plan->original))
        unlinkat(plan->dir_fd, link, 0);
    state->deferred = 0;
    return 0;
}

/* Nothing was replaced: removes the backup this run linked, if it still is the original. */
static void undo_backup(const struct tool_write_plan *plan, const struct backup_state *state)
{
    if (state->created && holds(plan->dir_fd, state->name, plan->original))
        unlinkat(plan->dir_fd, state->name, 0);
}

/*
 * The original is out of its name, at `temp`: it becomes the backup
 * (renamed over an older simple backup), or is removed.  A rename between
 * two links of one file does nothing, so a backup that is already the
 * original leaves `temp` to remove.
 */
static int finish_backup(const struct tool_write_plan *plan, const struct backup_state *state,
                         const char *temp)
{
    if (state->deferred && renameat(plan->dir_fd, temp, plan->dir_fd, state->name) != 0)
        return -1;
    if (state->deferred && !holds(plan->dir_fd, temp, plan->original))
        return 0;
    return unlinkat(plan->dir_fd, temp, 0);
}

/* --- leftovers of a run that was killed ------------------------------------------- */

/* ".NAME<anything>.XXXXXX": a temporary name this writer gives things about `name`. */
static int is_temporary_of(const char *entry, const char *name)
{
    size_t len = strlen(entry), prefix = strlen(name), i;

    if (prefix > NAME_MAX - 8)
        prefix = NAME_MAX - 8;
    if (entry[0] != '.' || strncmp(entry + 1, name, prefix) != 0 ||
        len < 1 + prefix + 1 + TEMP_RANDOM || entry[len - TEMP_RANDOM - 1] != '.')
        return 0;
    for (i = len - TEMP_RANDOM; i < len; i++)
        if (!isalnum((unsigned char)entry[i]))
            return 0;
    return 1;
}

/* A name this run's backups of `name` may have. */
static int is_backup_of(const char *entry, const char *name, const struct tool_backup *backup)
{
    size_t len = strlen(name);

    if (backup == NULL || backup->control == TOOL_BACKUP_NONE)
        return 0;
    if (backup->control != TOOL_BACKUP_NUMBERED && strncmp(entry, name, len) == 0 &&
        strcmp(entry + len, backup->suffix) == 0)
        return 1;
    return backup->control != TOOL_BACKUP_SIMPLE && backup_number(entry, name, len) > 0;
}

int tool_write_find_leftovers(int dir_fd, const char *name, const struct stat *st,
                              const struct tool_backup *backup, int remove,
                              struct tool_leftovers *found)
{
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
    struct dirent *entry;
    DIR *dir;

    memset(found, 0, sizeof(*found));
    if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while (rc == 0 && (errno = 0, entry = readdir(dir)) != NULL) {
        int temporary = is_temporary_of(entry->d_name, name);

        if ((!temporary && !is_backup_of(entry->d_name, name, backup)) ||
            !holds(dirfd(dir), entry->d_name, st))
            continue;
        if (!temporary) {
            found->backups++;
            continue;
        }
        if (found->temporary++ == 0)
            snprintf(found->first_temporary, sizeof(found->first_temporary), "%s", entry->d_name);
        if (remove && unlinkat(dirfd(dir), entry->d_name, 0) != 0)
            rc = -1;
    }
    if (rc == 0 && errno != 0)
        rc = -1;
    fd = errno;
    closedir(dir);
    errno = fd;
    return rc;
}

/* --- the replacement ---------------------------------------------------------------- */

static int fail(struct tool_write_failure *failure, enum tool_write_step step, int error,
                int replaced)
{
    failure->step = step;
    failure->error = error;
    failure->replaced = replaced;
    return -1;
}

/* Whether renameat2's RENAME_EXCHANGE is not there: an old kernel, or a file system without it. */
static int exchange_unsupported(int error)
{
    return error == EINVAL || error == ENOSYS || error == ENOTSUP || error == EOPNOTSUPP;
}

/*
 * The names are exchanged: `temp` holds what plan->name held.  Keeps it
 * as the backup, or removes it, when it is the file that was read;
 * otherwise exchanges the names back.
 */
static int settle_exchange(const struct tool_write_plan *plan, struct backup_state *backup,
                           const char *temp, const struct stat *written,
                           struct tool_write_failure *failure)
{
    struct stat held;

    if (fstatat(plan->dir_fd, temp, &held, AT_SYMLINK_NOFOLLOW) == 0 &&
        same_content(&held, plan->original)) {
        if (finish_backup(plan, backup, temp) == 0)
            return 0;
        snprintf(failure->left, sizeof(failure->left), "%s", temp);
        return fail(failure, backup->deferred ? TOOL_STEP_BACKUP : TOOL_STEP_CLEANUP, errno, 1);
    }
    /* Another program replaced or changed it since the check: give the name back what it held. */
    undo_backup(plan, backup);
    if (renameat2(plan->dir_fd, temp, plan->dir_fd, plan->name, RENAME_EXCHANGE) != 0) {
        snprintf(failure->left, sizeof(failure->left), "%s", temp);
        return fail(failure, TOOL_STEP_CHANGED, errno, 1);
    }
    if (holds(plan->dir_fd, temp, written))
        unlinkat(plan->dir_fd, temp, 0);
    else /* a third program put something at the name meanwhile: not ours to remove */
        snprintf(failure->left, sizeof(failure->left), "%s", temp);
    return fail(failure, TOOL_STEP_CHANGED, 0, 0);
}

/* Where names cannot be exchanged: the new file is renamed over the name, right after the check. */
static int rename_over(const struct tool_write_plan *plan, struct backup_state *backup,
                       const char *temp, struct tool_write_failure *failure)
{
    int error;

    if (backup->deferred && replace_backup_now(plan, backup) != 0) {
        error = errno;
        unlinkat(plan->dir_fd, temp, 0);
        return fail(failure, TOOL_STEP_BACKUP, error, 0);
    }
    if (renameat(plan->dir_fd, temp, plan->dir_fd, plan->name) == 0)
        return 0; /* the original is gone, or lives on as the backup */
    error = errno;
    undo_backup(plan, backup);
    unlinkat(plan->dir_fd, temp, 0);
    return fail(failure, TOOL_STEP_RENAME, error, 0);
}

/* The new file, complete: its descriptor until closed, its name once it has one, its stat. */
struct new_file {
    int fd;
    char temp[NAME_MAX + 1];
    struct stat st;
};

/* Removes the new file, named or not. */
static void discard(const struct tool_write_plan *plan, struct new_file *file)
{
    if (file->fd >= 0)
        close(file->fd);
    if (file->temp[0] != '\0')
        unlinkat(plan->dir_fd, file->temp, 0);
    file->fd = -1;
    file->temp[0] = '\0';
}

/*
 * Names the new file if it has no name yet, and closes it (NFS reports
 * some write errors only then): it is ready to take its place.  -1 with
 * `failure` filled and the file removed.
 */
static int make_ready(const struct tool_write_plan *plan, struct pending_temp *slot,
                      struct new_file *file, struct tool_write_failure *failure)
{
    enum tool_write_step step = TOOL_STEP_CREATE;
    int error;

    if (file->temp[0] == '\0' && claim_temp_name(slot, plan->dir_fd, file->fd, plan->name,
                                                 file->temp, sizeof(file->temp)) < 0) {
        file->temp[0] = '\0';
    } else {
        step = TOOL_STEP_CLOSE;
        error = close(file->fd);
        file->fd = -1;
        if (error == 0)
            return 0;
    }
    error = errno;
    discard(plan, file);
    return fail(failure, step, error, 0);
}

/*
 * The new content is complete in `file`; puts it at plan->name, where the
 * file that was read must still be.
 *
 * The file at plan->name is checked, the backup that replaces nothing is
 * linked, the new file is named and closed, and then the two names are
 * exchanged: plan->name holds the new content, the new file's name what
 * plan->name held.  If that is not the file that was read, with its size
 * and time, another program has replaced or changed it since the check,
 * and the names are exchanged back: it keeps what the other program wrote.
 * Otherwise the old file becomes the backup or is removed.  All this runs
 * with the fatal signals held off, so that no interruption finds the names
 * exchanged; even SIGKILL can then leave a file behind only in the instant
 * between two of these calls.
 *
 * Where the exchange is not supported (a file system without it), the new
 * file is renamed over the name right after the check: a change in between
 * is lost.
 */
static int replace(const struct tool_write_plan *plan, struct pending_temp *slot,
                   struct new_file *file, struct tool_write_failure *failure)
{
    const char *temp = file->temp;
    struct backup_state backup;
    sigset_t saved;
    int error, rc;

    if (critical_begin(&saved) != 0) {
        discard(plan, file);
        return fail(failure, TOOL_STEP_RENAME, EINTR, 0);
    }
    if (!unchanged_since_read(plan)) {
        discard(plan, file);
        critical_end(&saved);
        return fail(failure, TOOL_STEP_CHANGED, 0, 0);
    }
    if (make_backup(plan, &backup) != 0) {
        error = errno;
        discard(plan, file);
        critical_end(&saved);
        /* ENOENT: the original has no name left to link it from, another program removed it */
        return error == ENOENT ? fail(failure, TOOL_STEP_CHANGED, 0, 0)
                               : fail(failure, TOOL_STEP_BACKUP, error, 0);
    }
    if (make_ready(plan, slot, file, failure) != 0) {
        undo_backup(plan, &backup);
        critical_end(&saved);
        return -1;
    }
    /* From here `temp` may hold the original: no handler may remove it. */
    pending_withdraw(slot);
    if (renameat2(plan->dir_fd, temp, plan->dir_fd, plan->name, RENAME_EXCHANGE) == 0) {
        rc = settle_exchange(plan, &backup, temp, &file->st, failure);
    } else if (exchange_unsupported(errno)) {
        rc = rename_over(plan, &backup, temp, failure);
    } else {
        error = errno;
        undo_backup(plan, &backup);
        unlinkat(plan->dir_fd, temp, 0);
        /* ENOENT: the name is gone */
        rc = error == ENOENT ? fail(failure, TOOL_STEP_CHANGED, 0, 0)
                             : fail(failure, TOOL_STEP_RENAME, error, 0);
    }
    critical_end(&saved);
    if (rc == 0 && backup.wanted && plan->backup_made != NULL)
        snprintf(plan->backup_made, NAME_MAX + 1, "%s", backup.name);
    return rc;
}

int tool_write_atomic(const struct tool_write_plan *plan, const char *data, size_t len,
                      struct tool_write_failure *failure)
{
    struct pending_temp *slot = pending_claim();
    enum tool_write_step step = TOOL_STEP_CREATE;
    struct new_file file;
    int rc;

    memset(failure, 0, sizeof(*failure));
    memset(&file, 0, sizeof(file));
    if (plan->backup_made != NULL)
        plan->backup_made[0] = '\0';
    file.fd = plan->original_fd >= 0 ? open_unnamed(plan->dir_fd) : -1;
    if (file.fd < 0 && (plan->original_fd < 0 || errno == EOPNOTSUPP))
        file.fd = claim_temp_name(slot, plan->dir_fd, -1, plan->name, file.temp, sizeof(file.temp));
    if (file.fd < 0) {
        file.temp[0] = '\0';
        goto failed;
    }
    if (copy_metadata(plan, file.fd, &step) != 0)
        goto failed;
    step = TOOL_STEP_WRITE;
    if (write_all(file.fd, data, len) != 0 ||
        (plan->original_fd >= 0 && fstat(file.fd, &file.st) != 0))
        goto failed;
    /* A failed fsync is never retried: the kernel may have dropped the dirty pages already. */
    step = TOOL_STEP_FSYNC;
    if (plan->durable && fsync(file.fd) != 0)
        goto failed;
    if (plan->original_fd >= 0) {
        rc = replace(plan, slot, &file, failure);
    } else if ((rc = make_ready(plan, slot, &file, failure)) == 0 &&
               renameat(plan->dir_fd, file.temp, plan->dir_fd, plan->name) != 0) {
        rc = fail(failure, TOOL_STEP_RENAME, errno, 0);
        discard(plan, &file);
    }
    pending_withdraw(slot);
    pending_release(slot);
    if (rc != 0)
        return rc;
    if (plan->durable && fsync(plan->dir_fd) != 0)
        return fail(failure, TOOL_STEP_SYNC_DIR, errno, 1);
    return 0;

failed:
    rc = errno;
    discard(plan, &file);
    pending_withdraw(slot);
    pending_release(slot);
    return fail(failure, step, rc, 0);
}
