/*
 * What the raw bytes of a document say about its encoding, read by
 * domcompat itself so that its messages about encodings and characters
 * do not depend on the libxml2 it runs with (whose wording of these
 * errors differs between versions: see parse.c).
 */
#ifndef DOMCOMPAT_ENCODING_H
#define DOMCOMPAT_ENCODING_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The encoding named by the XML declaration that starts `data` (after a
 * UTF-8 byte order mark, if any): true with *name and *name_len set to the
 * value as written, which is a well-formed encoding name (a letter, then
 * letters, digits, '.', '_' and '-').  False when there is no declaration,
 * it names no encoding, or it is not well-formed: the parser then reports
 * what it finds.
 */
bool encoding_declared(const char *data, size_t len, const char **name, size_t *name_len);

/* Whether an encoding name means UTF-16, UTF-32 or UCS-2/4: two or four bytes a character. */
bool encoding_is_wide(const char *name, size_t name_len);

/*
 * The offset of the first byte of `data` that does not start a UTF-8
 * sequence for a character XML 1.0 allows (its Char production: tab, line
 * feed, carriage return, U+0020 to U+D7FF, U+E000 to U+FFFD, U+10000 to
 * U+10FFFF), or `len` when every byte does.  *character is then that
 * character, or -1 when the bytes are not UTF-8 (overlong forms and
 * surrogates included).
 */
size_t encoding_first_bad_character(const char *data, size_t len, long *character);

#endif
