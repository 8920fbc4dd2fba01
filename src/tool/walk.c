#include "walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories being walked, outermost first: a link back to one of them is a loop. */
struct ancestors {
    dev_t dev[64];
    ino_t ino[64];
    size_t depth;
};

static int walk(struct tool_inputs *inputs, const char *dir, const char *relative,
                const struct tool_walk_options *options, struct ancestors *ancestors);

/* One directory entry: a document, a directory to walk, a link to skip, or nothing. */
static int visit(struct tool_inputs *inputs, int dir_fd, const char *dir, const char *relative,
                 const char *name, const struct tool_walk_options *options,
                 struct ancestors *ancestors)
{
    char *path = join(strcmp(dir, "/") == 0 ? "" : dir, "/", name);
    char *sub = join(relative, "", name);
    char *below = join(relative, name, "/");
    int xml = is_xml_name(name), rc = 0;
    struct tool_input *input;
    struct stat st, target;

    if (path == NULL || sub == NULL || below == NULL) {
        rc = -1;
    } else if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        /* Vanished since listed: opening it will say so. */
        rc = xml && add_input(inputs, path, sub) == NULL ? -1 : 0;
    } else if (S_ISDIR(st.st_mode)) {
        rc = walk(inputs, path, below, options, ancestors);
    } else if (S_ISLNK(st.st_mode) && options->follow_symlinks && stat(path, &target) == 0 &&
               S_ISDIR(target.st_mode)) {
        rc = walk(inputs, path, below, options, ancestors);
    } else if (S_ISLNK(st.st_mode) && xml) {
        input = add_input(inputs, path, sub);
        if (input == NULL)
            rc = -1;
        else
            input->skip = walked_link;
    } else if (xml) {
        /* Not a link: what fstatat saw is what a stat following links would. */
        input = add_input(inputs, path, sub);
        if (input == NULL)
            rc = -1;
        else
            note_identity(input, &st);
    }
    free(path);
    free(sub);
    free(below);
    return rc;
}

/*
 * Adds the *.xml files under `dir`, sorted by name so a run's order does not
 * depend on the file system; `relative` is dir's path under the directory
 * argument ("" or "SUB/").
 */
static int walk(struct tool_inputs *inputs, const char *dir, const char *relative,
                const struct tool_walk_options *options, struct ancestors *ancestors)
{
    char **names = NULL;
    size_t count = 0, capacity = 0, i;
    struct dirent *entry;
    struct stat st;
    DIR *stream;
    int rc = 0;

    stream = opendir(dir);
    if (stream == NULL || fstat(dirfd(stream), &st) != 0) {
        struct tool_input *input = add_input(inputs, dir, relative);

        if (input == NULL)
            return -1;
        input->error = errno;
        if (stream != NULL)
            closedir(stream);
        return 0;
    }
    for (i = 0; i < ancestors->depth; i++) {
        if (ancestors->dev[i] == st.st_dev && ancestors->ino[i] == st.st_ino) {
            closedir(stream); /* a link back up the tree: walked already */
            return 0;
        }
    }
    if (ancestors->depth == sizeof(ancestors->dev) / sizeof(ancestors->dev[0])) {
        struct tool_input *input = add_input(inputs, dir, relative);

        closedir(stream);
        if (input == NULL)
            return -1;
        input->error = ELOOP;
        return 0;
    }
    ancestors->dev[ancestors->depth] = st.st_dev;
    ancestors->ino[ancestors->depth++] = st.st_ino;

    while (rc == 0 && (errno = 0, entry = readdir(stream)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (count == capacity) {
            char **grown =
                realloc(names, (capacity = capacity ? capacity * 2 : 64) * sizeof(*names));

            if (grown == NULL) {
                rc = -1;
                break;
            }
            names = grown;
        }
        if ((names[count] = strdup(entry->d_name)) == NULL)
            rc = -1;
        else
            count++;
    }
    if (rc == 0 && errno != 0) {
        struct tool_input *input = add_input(inputs, dir, relative);

        if (input == NULL)
            rc = -1;
        else
            input->error = errno;
    }
    if (rc == 0)
        qsort(names, count, sizeof(*names), by_name);
    for (i = 0; rc == 0 && i < count; i++)
        rc = visit(inputs, dirfd(stream), dir, relative, names[i], options, ancestors);
    for (i = 0; i < count; i++)
        free(names[i]);
    free(names);
    closedir(stream);
    ancestors->depth--;
    return rc;
}

/* One named argument: a file, or with --recursive a directory to walk. */
static int add_argument(struct tool_inputs *inputs, const char *arg,
                        const struct tool_walk_options *options)
{
    const char *base = strrchr(arg, '/');
    struct tool_input *input;
    struct stat st;
    int known = strcmp(arg, "-") != 0 && stat(arg, &st) == 0;

    if (known && S_ISDIR(st.st_mode)) {
        struct ancestors ancestors;

        if (options->recursive) {
            ancestors.depth = 0;
            return walk(inputs, arg, "", options, &ancestors);
        }
        input = add_input(inputs, arg, arg);
        if (input != NULL)
            input->usage = 1;
        return input == NULL ? -1 : 0;
    }
    input = add_input(inputs, arg, base != NULL && base[1] != '\0' ? base + 1 : arg);
    if (input != NULL && known)
        note_identity(input, &st);
    return input == NULL ? -1 : 0;
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
    size_t i;

    memset(inputs, 0, sizeof(*inputs));
    for (i = 0; i < count; i++)
        if (add_argument(inputs, args[i], options) != 0)
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
    free(inputs->items);
    memset(inputs, 0, sizeof(*inputs));
}
