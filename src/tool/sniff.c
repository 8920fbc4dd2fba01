#include "sniff.h"

#include <string.h>

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The first `needle` at or after `at`, or NULL. */
static const char *find(const char *at, const char *end, const char *needle)
{
    size_t n = strlen(needle);

    for (; at + n <= end; at++)
        if (memcmp(at, needle, n) == 0)
            return at;
    return NULL;
}

/* Past a DOCTYPE starting at `at`, whose internal subset may hold '>' in brackets. */
static const char *past_doctype(const char *at, const char *end)
{
    int depth = 0;
    char quote = 0;

    for (; at < end; at++) {
        if (quote != 0) {
            if (*at == quote)
                quote = 0;
        } else if (*at == '"' || *at == '\'') {
            quote = *at;
        } else if (*at == '[') {
            depth++;
        } else if (*at == ']') {
            depth--;
        } else if (*at == '>' && depth <= 0) {
            return at + 1;
        }
    }
    return NULL;
}

int tool_sniff_root(const char *data, size_t len, char *name, size_t size)
{
    const char *at = data, *end = data + len, *stop;
    size_t n;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        at += 3;
    while (at != NULL && at < end) {
        if (is_space(*at)) {
            at++;
        } else if (end - at >= 2 && memcmp(at, "<?", 2) == 0) {
            at = (stop = find(at + 2, end, "?>")) != NULL ? stop + 2 : NULL;
        } else if (end - at >= 4 && memcmp(at, "<!--", 4) == 0) {
            at = (stop = find(at + 4, end, "-->")) != NULL ? stop + 3 : NULL;
        } else if (end - at >= 2 && memcmp(at, "<!", 2) == 0) {
            at = past_doctype(at + 2, end);
        } else if (*at == '<') {
            /* XML names hold more, but libvirt's are plain ASCII: messages show no other byte. */
            for (n = 1; at + n < end && strchr(NAME_CHARS, at[n]) != NULL && at[n] != '\0'; n++)
                ;
            if (n == 1 || size == 0)
                return -1;
            n--;
            if (n >= size)
                n = size - 1;
            memcpy(name, at + 1, n);
            name[n] = '\0';
            return 0;
        } else {
            return -1;
        }
    }
    return -1;
}
