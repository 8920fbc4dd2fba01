#include "reserve.h"

#include <libxml/xmlmemory.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The reserve hands out blocks from the bottom up, each after a header
 * holding its size (16 bytes, so blocks are aligned as malloc's are), and
 * starts again from the bottom when every block has come back.  It is
 * touched only after an allocation has failed, so its lock costs nothing
 * the rest of the time.
 */
#define HEADER 16

static unsigned char reserve[RESERVE_SIZE] __attribute__((aligned(HEADER)));
static size_t reserve_top;    /* bytes handed out since the reserve was last empty */
static size_t reserve_blocks; /* blocks handed out and not given back */
static pthread_mutex_t reserve_lock = PTHREAD_MUTEX_INITIALIZER;

/* What libxml2 allocated with before: every allocation is tried there first. */
static xmlFreeFunc next_free;
static xmlMallocFunc next_malloc;
static xmlReallocFunc next_realloc;

static __thread struct reserve_scope *current;

static bool in_reserve(const void *ptr)
{
    uintptr_t at = (uintptr_t)ptr, start = (uintptr_t)reserve;

    return at >= start && at < start + RESERVE_SIZE;
}

static size_t block_size(const void *ptr)
{
    size_t size;

    memcpy(&size, (const unsigned char *)ptr - HEADER, sizeof(size));
    return size;
}

static void *draw(size_t size)
{
    size_t need = HEADER + ((size + HEADER - 1) & ~(size_t)(HEADER - 1));
    unsigned char *block = NULL;

    if (size > RESERVE_SIZE - HEADER)
        return NULL;
    pthread_mutex_lock(&reserve_lock);
    if (need <= RESERVE_SIZE - reserve_top) {
        block = reserve + reserve_top;
        memcpy(block, &size, sizeof(size));
        reserve_top += need;
        reserve_blocks++;
    }
    pthread_mutex_unlock(&reserve_lock);
    return block != NULL ? block + HEADER : NULL;
}

static void give_back(void)
{
    pthread_mutex_lock(&reserve_lock);
    if (--reserve_blocks == 0)
        reserve_top = 0;
    pthread_mutex_unlock(&reserve_lock);
}

static void *reserve_malloc(size_t size)
{
    void *ptr = next_malloc(size);

    if (ptr != NULL || current == NULL)
        return ptr;
    current->ran_out = true;
    return draw(size > 0 ? size : 1);
}

static void reserve_free(void *ptr)
{
    if (in_reserve(ptr))
        give_back();
    else
        next_free(ptr);
}

/*
 * The size of a block the next allocator made, when it can be known: the C
 * library's blocks say theirs; another allocator's do not, and a failed
 * reallocation of one of those is not served from the reserve.
 */
static bool next_block_size(void *ptr, size_t *size)
{
    if (next_realloc != realloc)
        return false;
    *size = malloc_usable_size(ptr);
    return true;
}

/*
 * What libxml2 grows is served from the reserve too: its XPath engine, for
 * one, crashed on failed allocations in 2.9.14, though not in 2.15.4
 * (measured: reserve.h).
 */
static void *reserve_realloc(void *ptr, size_t size)
{
    size_t old;
    void *moved;

    if (ptr == NULL)
        return reserve_malloc(size);
    if (!in_reserve(ptr)) {
        moved = next_realloc(ptr, size);
        if (moved != NULL || current == NULL)
            return moved;
        current->ran_out = true;
        if (!next_block_size(ptr, &old) || (moved = draw(size > 0 ? size : 1)) == NULL)
            return NULL;
        memcpy(moved, ptr, old < size ? old : size);
        next_free(ptr);
        return moved;
    }
    old = block_size(ptr);
    moved = reserve_malloc(size);
    if (moved != NULL) {
        memcpy(moved, ptr, old < size ? old : size);
        give_back();
    }
    return moved;
}

static char *reserve_strdup(const char *text)
{
    size_t len = strlen(text) + 1;
    char *copy = reserve_malloc(len);

    if (copy != NULL)
        memcpy(copy, text, len);
    return copy;
}

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_result;

static void install(void)
{
    xmlStrdupFunc next_strdup;

    if (xmlMemGet(&next_free, &next_malloc, &next_realloc, &next_strdup) != 0 ||
        xmlMemSetup(reserve_free, reserve_malloc, reserve_realloc, reserve_strdup) != 0)
        install_result = -1;
}

int reserve_install(void)
{
    pthread_once(&install_once, install);
    return install_result;
}

void reserve_begin(struct reserve_scope *scope)
{
    scope->outer = current;
    scope->ran_out = false;
    current = scope;
}

bool reserve_end(struct reserve_scope *scope)
{
    current = scope->outer;
    if (scope->outer != NULL && scope->ran_out)
        scope->outer->ran_out = true;
    return scope->ran_out;
}

bool reserve_ran_out(void)
{
    return current != NULL && current->ran_out;
}

size_t reserve_blocks_in_use(void)
{
    size_t blocks;

    pthread_mutex_lock(&reserve_lock);
    blocks = reserve_blocks;
    pthread_mutex_unlock(&reserve_lock);
    return blocks;
}
