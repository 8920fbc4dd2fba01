#include "arena.h"

#include <stdlib.h>
#include <string.h>

/*
 * An upgrade's answer, strings and all (about 440 bytes for a
 * pcie-root-port), fits in one block, which with its header makes a
 * 512-byte allocation: a domain of distinct controllers keeps one answer
 * each, and a second block for each would cost almost as much again.  A
 * larger request gets a block of its own size.  Records are aligned as
 * malloc's blocks are, strings not.
 */
#define ARENA_BLOCK 480
#define ARENA_ALIGN 16

/* Four words: `data` starts 16 or 32 bytes into a malloc'd block, aligned as malloc's blocks. */
struct arena_block {
    struct arena_block *next;
    size_t used, size, unused;
    unsigned char data[];
};

void arena_init(struct arena *arena)
{
    arena->blocks = NULL;
    arena->bytes = 0;
    arena->failed = false;
}

void arena_free(struct arena *arena)
{
    struct arena_block *block, *next;

    for (block = arena->blocks; block != NULL; block = next) {
        next = block->next;
        free(block);
    }
    arena_init(arena);
}

static void *take(struct arena *arena, size_t size, size_t align)
{
    struct arena_block *block = arena->blocks;
    size_t at = block ? (block->used + align - 1) & ~(align - 1) : 0;

    if (block == NULL || at > block->size || block->size - at < size) {
        size_t room = size > ARENA_BLOCK ? size : ARENA_BLOCK;

        block = malloc(sizeof(*block) + room);
        if (block == NULL) {
            arena->failed = true;
            return NULL;
        }
        block->used = 0;
        block->size = room;
        block->next = arena->blocks;
        arena->blocks = block;
        arena->bytes += sizeof(*block) + room;
        at = 0;
    }
    block->used = at + size;
    return block->data + at;
}

void *arena_alloc(struct arena *arena, size_t size)
{
    void *at = take(arena, size ? size : 1, ARENA_ALIGN);

    if (at != NULL)
        memset(at, 0, size);
    return at;
}

const char *arena_strdup(struct arena *arena, const char *s, size_t len)
{
    char *copy;

    if (s == NULL)
        return NULL;
    if (len == (size_t)-1)
        len = strlen(s);
    if ((copy = take(arena, len + 1, 1)) == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}
