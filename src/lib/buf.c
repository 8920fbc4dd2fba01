#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

bool buf_reserve(struct buf *b, size_t extra)
{
    size_t need, cap;
    char *data;

    if (b->failed)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    /* Doubling, or just what is asked when that is more: a size known up front is kept. */
    cap = b->cap ? b->cap : 256;
    cap = cap > SIZE_MAX / 2 || cap * 2 < need ? need : cap * 2;
    data = realloc(b->data, cap);
    if (data == NULL) {
        b->failed = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void buf_append(struct buf *b, const char *data, size_t len)
{
    if (len == 0)
        return;
    /* Nearly always there is room, and nothing else to check. */
    if (b->cap - b->len > len && !b->failed) {
        memcpy(b->data + b->len, data, len);
        b->len += len;
        return;
    }
    if (!buf_reserve(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

void buf_append_str(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_append_char(struct buf *b, char c)
{
    if (b->cap - b->len > 1 && !b->failed)
        b->data[b->len++] = c;
    else
        buf_append(b, &c, 1);
}

char *buf_steal(struct buf *b, size_t *len)
{
    char *data;

    if (!buf_reserve(b, 0)) {
        buf_free(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    data = b->data;
    if (len != NULL)
        *len = b->len;
    buf_init(b);
    return data;
}

void buf_free(struct buf *b)
{
    free(b->data);
    buf_init(b);
}
