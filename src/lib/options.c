#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

int domcompat_options_new(domcompat_options **out)
{
    domcompat_options *opts = calloc(1, sizeof(*opts));

    *out = NULL;
    if (opts == NULL)
        return DOMCOMPAT_ENOMEM;
    opts->target = DOMCOMPAT_FORM_EXPLICIT;
    snprintf(opts->target_text, sizeof(opts->target_text), "the explicit form");
    opts->assume_param = strdup("");
    opts->replace_param = strdup("");
    if (opts->assume_param == NULL || opts->replace_param == NULL) {
        free(opts->assume_param);
        free(opts->replace_param);
        free(opts);
        return DOMCOMPAT_ENOMEM;
    }
    *out = opts;
    return DOMCOMPAT_OK;
}

void domcompat_options_free(domcompat_options *opts)
{
    if (opts == NULL)
        return;
    free(opts->assumptions);
    free(opts->assume_param);
    free(opts->replacements);
    free(opts->replace_param);
    free(opts);
}

/*
 * Reads "libvirt-X.Y.Z" or "libvirt-X.Y" (which is X.Y.0, as libvirt
 * numbers its releases), each part 0 to 999, into a comparable number and
 * its dotted text.  Returns false for anything else.
 */
static bool parse_libvirt_version(const char *name, unsigned long *number, char *dotted,
                                  size_t size)
{
    unsigned long part[3] = {0, 0, 0};
    const char *p;
    char *end;
    int i;

    if (name == NULL || strncmp(name, "libvirt-", 8) != 0)
        return false;
    p = name + 8;
    for (i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9')
            return false;
        part[i] = strtoul(p, &end, 10);
        if (part[i] > 999 || end - p > 3)
            return false;
        if (*end == '\0' && i >= 1)
            break;
        if (i == 2 || *end != '.')
            return false;
        p = end + 1;
    }
    *number = part[0] * 1000000 + part[1] * 1000 + part[2];
    snprintf(dotted, size, "%lu.%lu.%lu", part[0], part[1], part[2]);
    return true;
}

int domcompat_options_set_target(domcompat_options *opts, const char *target, domcompat_error *err)
{
    if (target != NULL && strcmp(target, "explicit") == 0) {
        opts->target = DOMCOMPAT_FORM_EXPLICIT;
        snprintf(opts->target_text, sizeof(opts->target_text), "the explicit form");
    } else if (target != NULL && strcmp(target, "legacy") == 0) {
        opts->target = DOMCOMPAT_FORM_LEGACY;
        snprintf(opts->target_text, sizeof(opts->target_text), "the legacy form");
    } else if (parse_libvirt_version(target, &opts->peer_version, opts->peer, sizeof(opts->peer))) {
        opts->target = DOMCOMPAT_FORM_LIBVIRT;
        snprintf(opts->target_text, sizeof(opts->target_text), "libvirt %s", opts->peer);
    } else {
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "unknown target '%s'; expected explicit, legacy or libvirt-X.Y.Z "
                         "(for example libvirt-9.0.0)",
                         target ? target : "(null)");
    }
    return DOMCOMPAT_OK;
}

int domcompat_options_set_source(domcompat_options *opts, const char *source, domcompat_error *err)
{
    if (source != NULL && strcmp(source, "legacy") == 0) {
        opts->from_version = 0;
        opts->from[0] = '\0';
    } else if (!parse_libvirt_version(source, &opts->from_version, opts->from,
                                      sizeof(opts->from))) {
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "unknown source '%s'; expected legacy or libvirt-X.Y.Z "
                         "(for example libvirt-3.5.0)",
                         source ? source : "(null)");
    }
    return DOMCOMPAT_OK;
}

void domcompat_options_allow_loss(domcompat_options *opts, int allow)
{
    opts->allow_loss = allow != 0;
}

domcompat_form options_output_form(const domcompat_options *opts)
{
    if (opts->target == DOMCOMPAT_FORM_LIBVIRT)
        return opts->peer_version >= kinds_model_name_since ? DOMCOMPAT_FORM_LIBVIRT
                                                            : DOMCOMPAT_FORM_LEGACY;
    return opts->target;
}

bool options_write_pass(const domcompat_options *opts)
{
    return opts->target != DOMCOMPAT_FORM_EXPLICIT || opts->target_caps.implementations[0] != '\0';
}

int domcompat_options_set_source_caps(domcompat_options *opts, const domcompat_caps *caps,
                                      domcompat_error *err)
{
    (void)err;
    caps_summarize(&opts->source_caps, caps);
    return DOMCOMPAT_OK;
}

int domcompat_options_set_target_caps(domcompat_options *opts, const domcompat_caps *caps,
                                      domcompat_error *err)
{
    (void)err;
    caps_summarize(&opts->target_caps, caps);
    return DOMCOMPAT_OK;
}

static int rebuild_param(domcompat_options *opts)
{
    struct buf param;
    size_t i;
    char *joined;

    buf_init(&param);
    buf_append_char(&param, '|');
    for (i = 0; i < opts->assumption_count; i++) {
        buf_append_str(&param, opts->assumptions[i].kind->name);
        buf_append_char(&param, '=');
        buf_append_str(&param, opts->assumptions[i].implementation);
        buf_append_char(&param, '|');
    }
    joined = buf_steal(&param, NULL);
    if (joined == NULL)
        return DOMCOMPAT_ENOMEM;
    free(opts->assume_param);
    opts->assume_param = joined;
    return DOMCOMPAT_OK;
}

int domcompat_options_assume(domcompat_options *opts, const char *assumption, domcompat_error *err)
{
    char kind_name[128], list[512];
    const char *eq = assumption ? strchr(assumption, '=') : NULL;
    const char *implementation;
    const struct kind *kind;
    struct assumption *grown;
    size_t i, kind_len;

    if (eq == NULL || eq == assumption || eq[1] == '\0')
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "assumption '%s' is not KIND=IMPLEMENTATION "
                         "(for example pcie-root-port=pcie-root-port)",
                         assumption ? assumption : "(null)");
    kind_len = (size_t)(eq - assumption);
    if (kind_len >= sizeof(kind_name))
        kind_len = sizeof(kind_name) - 1;
    memcpy(kind_name, assumption, kind_len);
    kind_name[kind_len] = '\0';
    implementation = eq + 1;

    kind = kinds_find(kind_name);
    if (kind == NULL) {
        kinds_list_names(list, sizeof(list));
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "assumption '%s': unknown kind '%s'; expected one of: %s", assumption,
                         kind_name, list);
    }
    if (kind->root)
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "assumption '%s': %s is a root bus, whose implementation the "
                         "guest's machine decides, not an assumption",
                         assumption, kind->name);
    if (!kind_has_implementation(kind, implementation)) {
        kind_list_implementations(kind, list, sizeof(list));
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "assumption '%s': %s is not an implementation of %s; expected one of: %s",
                         assumption, implementation, kind->name, list);
    }
    for (i = 0; i < kind->implementation_count; i++)
        if (strcmp(kind->implementations[i].name, implementation) == 0)
            implementation = kind->implementations[i].name;

    for (i = 0; i < opts->assumption_count; i++) {
        if (opts->assumptions[i].kind != kind)
            continue;
        if (opts->assumptions[i].implementation == implementation)
            return DOMCOMPAT_OK;
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "assumption '%s' contradicts the earlier %s=%s", assumption, kind->name,
                         opts->assumptions[i].implementation);
    }
    grown = realloc(opts->assumptions, (opts->assumption_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return error_nomem(err);
    opts->assumptions = grown;
    grown[opts->assumption_count].kind = kind;
    grown[opts->assumption_count].implementation = implementation;
    opts->assumption_count++;
    if (rebuild_param(opts) != DOMCOMPAT_OK) {
        opts->assumption_count--;
        return error_nomem(err);
    }
    return DOMCOMPAT_OK;
}

/* The implementation of `kind` called `name`, as the kinds table spells it, or NULL. */
static const char *implementation_named(const struct kind *kind, const char *name)
{
    size_t i;

    for (i = 0; i < kind->implementation_count; i++)
        if (strcmp(kind->implementations[i].name, name) == 0)
            return kind->implementations[i].name;
    return NULL;
}

/* The kind that has an implementation called `name`, or NULL. */
static const struct kind *kind_implemented_by(const char *name)
{
    size_t i;

    for (i = 0; i < kinds_count; i++)
        if (implementation_named(&kinds_table[i], name) != NULL)
            return &kinds_table[i];
    return NULL;
}

static int rebuild_replace_param(domcompat_options *opts)
{
    struct buf param;
    size_t i;
    char *joined;

    buf_init(&param);
    buf_append_char(&param, '|');
    for (i = 0; i < opts->replacement_count; i++) {
        buf_append_str(&param, opts->replacements[i].kind->name);
        buf_append_char(&param, '=');
        buf_append_str(&param, opts->replacements[i].from);
        buf_append_char(&param, '=');
        buf_append_str(&param, opts->replacements[i].to);
        buf_append_char(&param, '|');
    }
    joined = buf_steal(&param, NULL);
    if (joined == NULL)
        return DOMCOMPAT_ENOMEM;
    free(opts->replace_param);
    opts->replace_param = joined;
    return DOMCOMPAT_OK;
}

int domcompat_options_replace(domcompat_options *opts, const char *replacement,
                              domcompat_error *err)
{
    char from_name[128], list[512];
    const char *eq = replacement ? strchr(replacement, '=') : NULL;
    const char *from, *to;
    const struct kind *kind;
    struct replacement *grown;
    size_t i, from_len;

    if (eq == NULL || eq == replacement || eq[1] == '\0')
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "replacement '%s' is not IMPLEMENTATION=IMPLEMENTATION "
                         "(for example pcie-root-port=ioh3420)",
                         replacement ? replacement : "(null)");
    from_len = (size_t)(eq - replacement);
    if (from_len >= sizeof(from_name))
        from_len = sizeof(from_name) - 1;
    memcpy(from_name, replacement, from_len);
    from_name[from_len] = '\0';
    kind = kind_implemented_by(from_name);
    if (kind == NULL)
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "replacement '%s': %s is not an implementation of any PCI controller "
                         "kind",
                         replacement, from_name);
    from = implementation_named(kind, from_name);
    if ((to = implementation_named(kind, eq + 1)) == NULL) {
        const struct kind *other = kind_implemented_by(eq + 1);

        kind_list_implementations(kind, list, sizeof(list));
        if (other != NULL)
            return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                             "replacement '%s': %s implements %s and %s implements %s; "
                             "expected an implementation of %s: %s",
                             replacement, from, kind->name, eq + 1, other->name, kind->name, list);
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "replacement '%s': %s is not an implementation of any PCI controller "
                         "kind; expected an implementation of %s: %s",
                         replacement, eq + 1, kind->name, list);
    }
    if (from == to)
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0, "replacement '%s' replaces %s with itself",
                         replacement, from);
    for (i = 0; i < opts->replacement_count; i++) {
        if (opts->replacements[i].from != from)
            continue;
        if (opts->replacements[i].to == to)
            return DOMCOMPAT_OK;
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "replacement '%s' contradicts the earlier %s=%s", replacement, from,
                         opts->replacements[i].to);
    }
    grown = realloc(opts->replacements, (opts->replacement_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return error_nomem(err);
    opts->replacements = grown;
    grown[opts->replacement_count].kind = kind;
    grown[opts->replacement_count].from = from;
    grown[opts->replacement_count].to = to;
    opts->replacement_count++;
    if (rebuild_replace_param(opts) != DOMCOMPAT_OK) {
        opts->replacement_count--;
        return error_nomem(err);
    }
    return DOMCOMPAT_OK;
}
