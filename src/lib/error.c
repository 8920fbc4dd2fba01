#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(domcompat_error *err, int code, unsigned long line, unsigned long column,
              const char *fmt, ...)
{
    va_list ap;
    size_t len;

    if (err == NULL)
        return code;
    err->code = code;
    err->fix = DOMCOMPAT_FIX_NONE;
    err->line = line;
    err->column = column;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);

    /* Never leave half a UTF-8 sequence at a cut. */
    len = strlen(err->message);
    if (len == sizeof(err->message) - 1) {
        while (len > 0 && ((unsigned char)err->message[len - 1] & 0xC0) == 0x80)
            len--;
        if (len > 0 && ((unsigned char)err->message[len - 1] & 0xC0) == 0xC0)
            len--;
        err->message[len] = '\0';
    }
    return code;
}

int error_nomem(domcompat_error *err)
{
    return error_set(err, DOMCOMPAT_ENOMEM, 0, 0, "out of memory");
}
