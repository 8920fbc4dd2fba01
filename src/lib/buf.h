/* A growable byte buffer that remembers an allocation failure. */
#ifndef DOMCOMPAT_BUF_H
#define DOMCOMPAT_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an append ran out of memory; later appends do nothing */
};

void buf_init(struct buf *b);
/* Makes room for `extra` more bytes (and a terminator); false when out of memory. */
bool buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const char *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
/*
 * Hands the bytes to the caller, NUL-terminated (the terminator is not
 * counted in *len), and leaves the buffer empty.  NULL if any append
 * failed.
 */
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
