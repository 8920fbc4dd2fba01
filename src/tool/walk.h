/*
 * Which documents a run works on: the FILE arguments in order, and with
 * --recursive the *.xml files under each directory argument, sorted by
 * name.  The same file reached twice is worked on once.
 */
#ifndef DOMCOMPAT_TOOL_WALK_H
#define DOMCOMPAT_TOOL_WALK_H

#include <stddef.h>
#include <sys/types.h>

struct tool_input {
    char *path;     /* to open, and (quoted) in messages: as named, or DIR/SUB/NAME.xml */
    char *relative; /* where its copy goes under --output-dir: NAME.xml, or SUB/NAME.xml */
    /* Not worked on, and why ("a symbolic link met while walking ..."); static text. */
    const char *skip;
    size_t same_as; /* 1 + the index of the input this is the same file as; 0: none */
    int error;      /* errno: a directory that could not be listed */
    int usage;      /* a directory named without --recursive */
    /*
     * Which file it is, from the stat made while collecting (links
     * followed): `regular` is 1 when that stat found a regular file, and then
     * dev and ino say which, to find the same file named twice.
     */
    int regular;
    dev_t dev;
    ino_t ino;
};

struct tool_inputs {
    struct tool_input *items;
    size_t count, capacity;
};

struct tool_walk_options {
    int recursive;
    int follow_symlinks; /* follow symbolic links to directories while walking */
};

/* Collects the inputs named by args; 0, or -1 when out of memory. */
int tool_inputs_collect(struct tool_inputs *inputs, char *const *args, size_t count,
                        const struct tool_walk_options *options);

void tool_inputs_free(struct tool_inputs *inputs);

#endif
