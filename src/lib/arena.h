/*
 * Memory handed out in blocks and given back all at once: an answer's
 * strings and records, which live and die together.
 */
#ifndef DOMCOMPAT_ARENA_H
#define DOMCOMPAT_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct arena {
    struct arena_block *blocks; /* the newest first */
    size_t bytes;               /* allocated in all, for the memo's accounting */
    bool failed;                /* an allocation ran out of memory */
};

void arena_init(struct arena *arena);
void arena_free(struct arena *arena);

/* `size` zeroed bytes, aligned for any object; NULL (and `failed` set) when out of memory. */
void *arena_alloc(struct arena *arena, size_t size);

/* A copy of `s` (NULL stays NULL), or of its first `len` bytes when len != (size_t)-1. */
const char *arena_strdup(struct arena *arena, const char *s, size_t len);

#endif
