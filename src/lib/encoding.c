#include "encoding.h"

#include <string.h>
#include <strings.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* XML 1.0's EncName: [A-Za-z] ([A-Za-z0-9._] | '-')* */
static bool is_encoding_name(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || !is_letter(s[0]))
        return false;
    for (i = 1; i < n; i++)
        if (!is_letter(s[i]) && !(s[i] >= '0' && s[i] <= '9') && s[i] != '.' && s[i] != '_' &&
            s[i] != '-')
            return false;
    return true;
}

bool encoding_declared(const char *data, size_t len, const char **name, size_t *name_len)
{
    size_t i = 0;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    if (len - i < 6 || memcmp(data + i, "<?xml", 5) != 0 || !is_space(data[i + 5]))
        return false;
    i += 5;
    /* Pseudo-attributes, NAME = 'VALUE', until "?>". */
    for (;;) {
        size_t name_start, name_end, value_start;
        char quote;

        while (i < len && is_space(data[i]))
            i++;
        if (i >= len || !is_letter(data[i]))
            return false; /* "?>" or something the parser will report */
        name_start = i;
        while (i < len && is_letter(data[i]))
            i++;
        name_end = i;
        while (i < len && is_space(data[i]))
            i++;
        if (i >= len || data[i] != '=')
            return false;
        for (i++; i < len && is_space(data[i]); i++)
            ;
        if (i >= len || (data[i] != '\'' && data[i] != '"'))
            return false;
        quote = data[i++];
        value_start = i;
        while (i < len && data[i] != quote && data[i] != '<' && data[i] != '>')
            i++;
        if (i >= len || data[i] != quote)
            return false;
        if (name_end - name_start == 8 && memcmp(data + name_start, "encoding", 8) == 0) {
            if (!is_encoding_name(data + value_start, i - value_start))
                return false;
            *name = data + value_start;
            *name_len = i - value_start;
            return true;
        }
        i++;
    }
}

bool encoding_is_wide(const char *name, size_t name_len)
{
    static const char *const wide[] = {"UTF-16",          "UTF16",   "UTF-32",         "UTF32",
                                       "UCS-2",           "UCS2",    "UCS-4",          "UCS4",
                                       "ISO-10646-UCS-2", "UNICODE", "ISO-10646-UCS-4"};
    size_t i;

    for (i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
        size_t n = strlen(wide[i]);

        if (name_len >= n && strncasecmp(name, wide[i], n) == 0)
            return true;
    }
    return false;
}

static bool allowed_in_xml(long c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* The character at `d` (at most `n` bytes), with *size its length; -1 if not UTF-8. */
static long decode(const unsigned char *d, size_t n, size_t *size)
{
    static const long least[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t count, i;
    long c;

    if (d[0] < 0x80) {
        *size = 1;
        return d[0];
    }
    if (d[0] >= 0xC2 && d[0] <= 0xDF)
        count = 2, c = d[0] & 0x1F;
    else if (d[0] >= 0xE0 && d[0] <= 0xEF)
        count = 3, c = d[0] & 0x0F;
    else if (d[0] >= 0xF0 && d[0] <= 0xF4)
        count = 4, c = d[0] & 0x07;
    else
        return -1;
    if (n < count)
        return -1;
    for (i = 1; i < count; i++) {
        if ((d[i] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (d[i] & 0x3F);
    }
    if (c < least[count] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *size = count;
    return c;
}

size_t encoding_first_bad_character(const char *data, size_t len, long *character)
{
    const unsigned char *d = (const unsigned char *)data;
    size_t i = 0, size;

    while (i < len) {
        long c;

        /* Plain ASCII text and markup, most of any document, a byte at a time. */
        if (d[i] >= 0x20 && d[i] < 0x80) {
            i++;
            continue;
        }
        c = decode(d + i, len - i, &size);
        if (c < 0 || !allowed_in_xml(c)) {
            *character = c;
            return i;
        }
        i += size;
    }
    return len;
}
