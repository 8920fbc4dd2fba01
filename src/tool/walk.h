/*
 * Which documents a run works on: the FILE arguments in order, and with
 * --recursive the *.xml files under each directory argument, sorted by
 * name.  The same file reached twice is worked on once.
 *
 * A walk goes from each directory to the next through its descriptor,
 * never through a symbolic link it was not asked to follow, and keeps the
 * descriptors of the directories that hold documents (up to a bound, past
 * which their identity is kept to check them when they are opened again):
 * a file found is later opened relative to the directory it was found in
 * (tool_open_walked()), so nothing put in place of a directory or a file
 * since the walk can lead outside the tree.  The output directory is never
 * walked into.
 */
#ifndef DOMCOMPAT_TOOL_WALK_H
#define DOMCOMPAT_TOOL_WALK_H

#include <stddef.h>
#include <sys/types.h>

#include "io.h"

struct tool_input {
    char *path;     /* to open, and (quoted) in messages: as named, or DIR/SUB/NAME.xml */
    char *relative; /* where its copy goes under --output-dir: NAME.xml, or SUB/NAME.xml */
    /* Not worked on, and why ("a symbolic link met while walking ..."); static text. */
    const char *skip;
    size_t same_as; /* 1 + the index of the input this is the same file as; 0: none */
    int error;      /* errno: a directory that could not be listed */
    int usage;      /* a directory named without --recursive */
    int walked;     /* found by walking a directory, not named */
    /*
     * Which file it is, from the stat made while collecting (links
     * followed): `regular` is 1 when that stat found a regular file, and then
     * dev and ino say which, to find the same file named twice.
     */
    int regular;
    dev_t dev;
    ino_t ino;
    /*
     * Found by walking: 1 + the index in `dirs` of the directory it was
     * found in, and its name there (in `path`); 0 for a FILE argument.
     */
    size_t dir;
    const char *name;
    int special; /* found by walking to be no regular file (a FIFO, a device...): never opened */
};

struct tool_inputs {
    struct tool_input *items;
    size_t count, capacity;
    struct tool_dir *dirs; /* the directories walked that hold inputs */
    size_t dir_count, dir_capacity;
};

struct tool_walk_options {
    int recursive;
    int follow_symlinks;    /* follow symbolic links to directories while walking */
    const char *output_dir; /* --output-dir: never walked into */
    /*
     * --exclude: fnmatch(3) patterns (FNM_PATHNAME) for paths below a
     * directory argument ("networks", "autostart/db01.xml"); a directory
     * that matches is not walked, a file that matches is not an input.
     */
    char *const *excludes;
    size_t exclude_count;
};

/* Where the walk found `input`, or NULL for a FILE argument. */
const struct tool_dir *tool_input_dir(const struct tool_inputs *inputs,
                                      const struct tool_input *input);

/* Collects the inputs named by args; 0, or -1 when out of memory. */
int tool_inputs_collect(struct tool_inputs *inputs, char *const *args, size_t count,
                        const struct tool_walk_options *options);

void tool_inputs_free(struct tool_inputs *inputs);

#endif
