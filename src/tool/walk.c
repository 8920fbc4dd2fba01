#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static const char walked_link[] =
    "a symbolic link met while walking a directory; name it to convert the file it points to";

static struct tool_input *add_input(struct tool_inputs *inputs, const char *path,
                                    const char *relative)
{
    struct tool_input *input;

    if (inputs->count == inputs->capacity) {
        size_t capacity = inputs->capacity ? inputs->capacity * 2 : 16;
        struct tool_input *grown = realloc(inputs->items, capacity * sizeof(*grown));

        if (grown == NULL)
            return NULL;
        inputs->items = grown;
        inputs->capacity = capacity;
    }
    input = &inputs->items[inputs->count];
    memset(input, 0, sizeof(*input));
    input->path = strdup(path);
    input->relative = strdup(relative);
    if (input->path == NULL || input->relative == NULL) {
        free(input->path);
        free(input->relative);
        return NULL;
    }
    inputs->count++;
    return input;
}

static char *join(const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *out = malloc(la + ls + lb + 1);

    if (out != NULL) {
        memcpy(out, a, la);
        memcpy(out + la, sep, ls);
        memcpy(out + la + ls, b, lb + 1);
    }
    return out;
}

static int is_xml_name(const char *name)
{
    size_t len = strlen(name);

    return len > 4 && strcmp(name + len - 4, ".xml") == 0;
}

/* Keeps what `st` (links followed) says of the input's identity, for mark_duplicates(). */
static void note_identity(struct tool_input *input, const struct stat *st)
{
    input->regular = S_ISREG(st->st_mode);
    input->dev = st->st_dev;
    input->ino = st->st_ino;
}

/* Whether `relative` (below a directory argument, no trailing '/') is left out by --exclude. */
static int excluded(const struct tool_walk_options *options, const char *relative)
{
    size_t i;

    for (i = 0; i < options->exclude_count; i++)
        if (fnmatch(options->excludes[i], relative, FNM_PATHNAME) == 0)
            return 1;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_identity(const struct stat *st, const struct tool_identity *id)
{
    return st->st_dev == id->dev && st->st_ino == id->ino;
}

/* One walk over the directory arguments. */
struct walk {
    struct tool_inputs *inputs;
    const struct tool_walk_options *options;
    /* The directories being walked, outermost first: a link back to one of them is a loop. */
    struct tool_identity ancestors[64];
    size_t depth;
    int has_output; /* the output directory exists: */
    struct tool_identity output;
    size_t held, held_limit; /* directory descriptors kept, and how many may be */
};

/*
 * The directory being listed, entered in inputs->dirs when its first
 * document is found: `index` is 0 until then, then 1 + its index.
 */
struct listing {
    int fd;
    const char *path;
    struct tool_identity id;
    size_t index;
};

static int walk(struct walk *w, int fd, const char *dir, const char *relative);

/* The directory of `listing`, entered once; 1 + its index, or 0 when out of memory. */
static size_t enter_directory(struct tool_inputs *inputs, struct listing *listing)
{
    struct tool_dir *dir;

    if (listing->index != 0)
        return listing->index;
    if (inputs->dir_count == inputs->dir_capacity) {
        size_t capacity = inputs->dir_capacity ? inputs->dir_capacity * 2 : 8;
        struct tool_dir *grown = realloc(inputs->dirs, capacity * sizeof(*grown));

        if (grown == NULL)
            return 0;
        inputs->dirs = grown;
        inputs->dir_capacity = capacity;
    }
    dir = &inputs->dirs[inputs->dir_count];
    dir->fd = -1;
    dir->id = listing->id;
    if ((dir->path = strdup(listing->path)) == NULL)
        return 0;
    listing->index = ++inputs->dir_count;
    return listing->index;
}

/* A document found in `listing`, to be opened relative to it. */
static struct tool_input *add_walked(struct walk *w, struct listing *listing, const char *path,
                                     const char *relative, const char *name)
{
    size_t index = enter_directory(w->inputs, listing);
    struct tool_input *input = index != 0 ? add_input(w->inputs, path, relative) : NULL;

    if (input != NULL) {
        input->dir = index;
        input->name = input->path + strlen(input->path) - strlen(name);
        input->walked = 1;
    }
    return input;
}

/* A subdirectory to walk, opened through `listing` (following a link only when asked). */
static int enter_subdirectory(struct walk *w, struct listing *listing, const char *name,
                              const char *path, const char *below, int follow)
{
    int fd =
        openat(listing->fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
    struct tool_input *input;
    struct stat st;

    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        if ((input = add_input(w->inputs, path, below)) == NULL)
            return -1;
        input->error = errno;
        return 0;
    }
    if (w->has_output && is_identity(&st, &w->output)) {
        close(fd); /* the output directory: its copies are not inputs */
        return 0;
    }
    return walk(w, fd, path, below);
}

/* One directory entry: a document, a directory to walk, a link to skip, or nothing. */
static int visit(struct walk *w, struct listing *listing, const char *relative, const char *name)
{
    const char *dir = listing->path;
    char *path = join(strcmp(dir, "/") == 0 ? "" : dir, "/", name);
    char *sub = join(relative, "", name);
    char *below = join(relative, name, "/");
    int xml = is_xml_name(name), rc = 0;
    struct tool_input *input;
    struct stat st, target;

    if (path == NULL || sub == NULL || below == NULL) {
        rc = -1;
    } else if (excluded(w->options, sub)) {
        rc = 0;
    } else if (fstatat(listing->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        /* Vanished since listed: opening it will say so. */
        rc = xml && add_walked(w, listing, path, sub, name) == NULL ? -1 : 0;
    } else if (S_ISDIR(st.st_mode)) {
        rc = enter_subdirectory(w, listing, name, path, below, 0);
    } else if (S_ISLNK(st.st_mode) && w->options->follow_symlinks &&
               fstatat(listing->fd, name, &target, 0) == 0 && S_ISDIR(target.st_mode)) {
        rc = enter_subdirectory(w, listing, name, path, below, 1);
    } else if (S_ISLNK(st.st_mode) && xml) {
        input = add_input(w->inputs, path, sub);
        if (input == NULL) {
            rc = -1;
        } else {
            input->skip = walked_link;
            input->walked = 1;
        }
    } else if (xml) {
        /* Not a link: what fstatat saw is what a stat following links would. */
        input = add_walked(w, listing, path, sub, name);
        if (input == NULL) {
            rc = -1;
        } else {
            note_identity(input, &st);
            if (!input->regular)
                input->special = 1;
        }
    }
    free(path);
    free(sub);
    free(below);
    return rc;
}

/* Lists the directory open as `fd`, sorted by name so a run's order does not depend on the file
 * system; NULL with errno set on failure. */
static char **list_names(int fd, size_t *count)
{
    char **names = NULL;
    size_t capacity = 0;
    struct dirent *entry;
    int copy = dup(fd), error = 0;
    DIR *stream = copy >= 0 ? fdopendir(copy) : NULL;

    *count = 0;
    if (stream == NULL) {
        error = errno;
        if (copy >= 0)
            close(copy);
        errno = error;
        return NULL;
    }
    while ((errno = 0, entry = readdir(stream)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (*count == capacity) {
            char **grown =
                realloc(names, (capacity = capacity ? capacity * 2 : 64) * sizeof(*names));

            if (grown == NULL) {
                error = ENOMEM;
                break;
            }
            names = grown;
        }
        if ((names[*count] = strdup(entry->d_name)) == NULL) {
            error = ENOMEM;
            break;
        }
        (*count)++;
    }
    if (error == 0)
        error = errno;
    closedir(stream);
    if (error == 0 && names == NULL)
        names = malloc(sizeof(*names)); /* an empty directory: an empty list, not a failure */
    if (error != 0 || names == NULL) {
        while (*count > 0)
            free(names[--*count]);
        free(names);
        errno = error != 0 ? error : ENOMEM;
        return NULL;
    }
    qsort(names, *count, sizeof(*names), by_name);
    return names;
}

/*
 * Adds the *.xml files under `dir`, open as `fd` (which the walk then owns),
 * sorted by name; `relative` is dir's path under the directory argument
 * ("" or "SUB/").
 */
static int walk(struct walk *w, int fd, const char *dir, const char *relative)
{
    struct listing listing = {fd, dir, {0, 0}, 0};
    struct tool_input *input;
    char **names = NULL;
    size_t count = 0, i;
    struct stat st;
    int rc = 0, error = 0;

    if (fstat(fd, &st) != 0) {
        error = errno;
    } else {
        listing.id.dev = st.st_dev;
        listing.id.ino = st.st_ino;
        for (i = 0; i < w->depth; i++) {
            if (is_identity(&st, &w->ancestors[i])) {
                close(fd); /* a link back up the tree: walked already */
                return 0;
            }
        }
        if (w->depth == sizeof(w->ancestors) / sizeof(w->ancestors[0]))
            error = ELOOP;
        else if ((names = list_names(fd, &count)) == NULL)
            error = errno;
    }
    if (error != 0) {
        close(fd);
        if (error == ENOMEM || (input = add_input(w->inputs, dir, relative)) == NULL)
            return -1;
        input->error = error;
        return 0;
    }
    w->ancestors[w->depth++] = listing.id;
    for (i = 0; rc == 0 && i < count; i++)
        rc = visit(w, &listing, relative, names[i]);
    w->depth--;
    for (i = 0; i < count; i++)
        free(names[i]);
    free(names);
    /* Kept for the documents found in it, within the bound; otherwise opened again by path. */
    if (listing.index != 0 && w->held < w->held_limit) {
        w->inputs->dirs[listing.index - 1].fd = fd;
        w->held++;
    } else {
        close(fd);
    }
    return rc;
}

/* One named argument: a file, or with --recursive a directory to walk. */
static int add_argument(struct walk *w, const char *arg)
{
    const char *base = strrchr(arg, '/');
    struct tool_input *input;
    struct stat st;
    int known = strcmp(arg, "-") != 0 && stat(arg, &st) == 0, fd;

    if (known && S_ISDIR(st.st_mode)) {
        if (w->options->recursive) {
            w->depth = 0;
            if ((fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
                return walk(w, fd, arg, "");
            if ((input = add_input(w->inputs, arg, "")) == NULL)
                return -1;
            input->error = errno;
            return 0;
        }
        input = add_input(w->inputs, arg, arg);
        if (input != NULL)
            input->usage = 1;
        return input == NULL ? -1 : 0;
    }
    input = add_input(w->inputs, arg, base != NULL && base[1] != '\0' ? base + 1 : arg);
    if (input != NULL && known)
        note_identity(input, &st);
    return input == NULL ? -1 : 0;
}

/*
 * How many directory descriptors a run keeps: half of what it may open,
 * the rest being for the files themselves, the temporary files and the
 * threads of -j.
 */
static size_t held_limit(void)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return 512;
    return limit.rlim_cur < 64 ? 0 : limit.rlim_cur / 2 > 65536 ? 65536 : limit.rlim_cur / 2;
}

const struct tool_dir *tool_input_dir(const struct tool_inputs *inputs,
                                      const struct tool_input *input)
{
    return input->dir != 0 ? &inputs->dirs[input->dir - 1] : NULL;
}

struct identity {
    dev_t dev;
    ino_t ino;
    size_t index;
};

static int by_identity(const void *a, const void *b)
{
    const struct identity *x = a, *y = b;

    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Marks every input that is the same file as an earlier one (hard links,
 * links, ./a and a); sorting by index within an identity keeps the first
 * named as the one worked on.  Only regular files count, by the identity
 * their collection's stat found: stat'ing each again would cost a call a
 * file for the same answer.
 */
static int mark_duplicates(struct tool_inputs *inputs)
{
    struct identity *ids = malloc((inputs->count + 1) * sizeof(*ids));
    size_t n = 0, i;

    if (ids == NULL)
        return -1;
    for (i = 0; i < inputs->count; i++) {
        const struct tool_input *input = &inputs->items[i];

        if (input->skip == NULL && input->error == 0 && !input->usage && input->regular) {
            ids[n].dev = input->dev;
            ids[n].ino = input->ino;
            ids[n++].index = i;
        }
    }
    qsort(ids, n, sizeof(*ids), by_identity);
    for (i = 1; i < n; i++) {
        if (ids[i].dev == ids[i - 1].dev && ids[i].ino == ids[i - 1].ino) {
            inputs->items[ids[i].index].same_as =
                (inputs->items[ids[i - 1].index].same_as ? inputs->items[ids[i - 1].index].same_as
                                                         : ids[i - 1].index + 1);
        }
    }
    free(ids);
    return 0;
}

int tool_inputs_collect(struct tool_inputs *inputs, char *const *args, size_t count,
                        const struct tool_walk_options *options)
{
    struct walk w;
    struct stat st;
    size_t i;

    memset(inputs, 0, sizeof(*inputs));
    memset(&w, 0, sizeof(w));
    w.inputs = inputs;
    w.options = options;
    w.held_limit = held_limit();
    if (options->output_dir != NULL && stat(options->output_dir, &st) == 0 && S_ISDIR(st.st_mode)) {
        w.has_output = 1;
        w.output.dev = st.st_dev;
        w.output.ino = st.st_ino;
    }
    for (i = 0; i < count; i++)
        if (add_argument(&w, args[i]) != 0)
            return -1;
    return mark_duplicates(inputs);
}

void tool_inputs_free(struct tool_inputs *inputs)
{
    size_t i;

    for (i = 0; i < inputs->count; i++) {
        free(inputs->items[i].path);
        free(inputs->items[i].relative);
    }
    for (i = 0; i < inputs->dir_count; i++) {
        if (inputs->dirs[i].fd >= 0)
            close(inputs->dirs[i].fd);
        free(inputs->dirs[i].path);
    }
    free(inputs->items);
    free(inputs->dirs);
    memset(inputs, 0, sizeof(*inputs));
}
