#include "context.h"

#include <libxml/parser.h>
#include <libxslt/documents.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "embedded.h"
#include "error.h"
#include "reserve.h"
#include "libxml_compat.h"

struct compile_errors {
    char message[512];
    int line;
};

static void on_compile_error(void *state, libxml_error error)
{
    struct compile_errors *errors = state;

    if (errors->message[0] == '\0' && error->level >= XML_ERR_ERROR) {
        snprintf(errors->message, sizeof(errors->message), "%s",
                 error->message ? error->message : "unknown error");
        errors->line = error->line;
    }
}

static int compile_stylesheet(xsltStylesheetPtr *out, const struct embedded_file *file,
                              domcompat_error *err)
{
    struct compile_errors errors = {"", 0};
    struct libxml_handler saved;
    xmlDocPtr doc;

    libxml_handler_install(&saved, &errors, on_compile_error);
    doc = xmlReadMemory((const char *)file->data, (int)file->len, file->name, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOCDATA);
    *out = doc ? xsltParseStylesheetDoc(doc) : NULL;
    if (*out == NULL)
        xmlFreeDoc(doc); /* xsltParseStylesheetDoc keeps the document only on success */
    libxml_handler_restore(&saved);
    if (*out == NULL)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "cannot compile built-in stylesheet %s (line %d): %s", file->name,
                         errors.line, errors.message);
    return DOMCOMPAT_OK;
}

static int compile_schema(xmlRelaxNGPtr *out, const struct embedded_file *file,
                          domcompat_error *err)
{
    struct compile_errors errors = {"", 0};
    xmlRelaxNGParserCtxtPtr parser;

    parser = xmlRelaxNGNewMemParserCtxt((const char *)file->data, (int)file->len);
    if (parser == NULL)
        return error_nomem(err);
    xmlRelaxNGSetParserStructuredErrors(parser, on_compile_error, &errors);
    *out = xmlRelaxNGParse(parser);
    xmlRelaxNGFreeParserCtxt(parser);
    if (*out == NULL)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "cannot compile built-in schema %s (line %d): %s", file->name, errors.line,
                         errors.message);
    return DOMCOMPAT_OK;
}

static int new_security_prefs(xsltSecurityPrefsPtr *out, domcompat_error *err)
{
    static const xsltSecurityOption forbidden[] = {
        XSLT_SECPREF_READ_FILE,    XSLT_SECPREF_WRITE_FILE,    XSLT_SECPREF_CREATE_DIRECTORY,
        XSLT_SECPREF_READ_NETWORK, XSLT_SECPREF_WRITE_NETWORK,
    };
    size_t i;

    *out = xsltNewSecurityPrefs();
    if (*out == NULL)
        return error_nomem(err);
    for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
        if (xsltSetSecurityPrefs(*out, forbidden[i], xsltSecurityForbid) != 0) {
            xsltFreeSecurityPrefs(*out);
            *out = NULL;
            return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                             "cannot set libxslt security preferences");
        }
    }
    return DOMCOMPAT_OK;
}

int domcompat_context_new(domcompat_context **out, domcompat_error *err)
{
    domcompat_context *ctx;
    int rc;

    *out = NULL;
    /* Must run before any thread uses libxml2; creating a context is that moment. */
    xmlInitParser();
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL || (ctx->compiled = calloc(1, sizeof(*ctx->compiled))) == NULL) {
        free(ctx);
        return error_nomem(err);
    }
    if (pthread_mutex_init(&ctx->compiled->lock, NULL) != 0) {
        free(ctx->compiled);
        free(ctx);
        return error_nomem(err);
    }
    domcompat_limits_default(&ctx->limits);
    if (memo_new(&ctx->memo) != 0) {
        domcompat_context_free(ctx);
        return error_nomem(err);
    }
    if ((rc = new_security_prefs(&ctx->security, err)) != 0) {
        domcompat_context_free(ctx);
        return rc;
    }
    *out = ctx;
    return DOMCOMPAT_OK;
}

void domcompat_context_free(domcompat_context *ctx)
{
    size_t i;

    if (ctx == NULL)
        return;
    xsltFreeStylesheet(ctx->compiled->upgrade);
    xsltFreeStylesheet(ctx->compiled->downgrade);
    for (i = 0; i < SLOT_COUNT; i++)
        xmlRelaxNGFree(ctx->compiled->schemas[i]);
    pthread_mutex_destroy(&ctx->compiled->lock);
    free(ctx->compiled);
    xsltFreeSecurityPrefs(ctx->security);
    memo_free(ctx->memo);
    free(ctx);
}

int context_schema(const domcompat_context *ctx, domcompat_form form, xmlRelaxNGPtr *out,
                   domcompat_error *err)
{
    static const struct embedded_file *const sources[SLOT_COUNT] = {
        [SLOT_LEGACY] = &embedded_legacy_rng,
        [SLOT_EXPLICIT] = &embedded_explicit_rng,
        [SLOT_LIBVIRT] = &embedded_libvirt_rng,
        [SLOT_MIXED] = &embedded_mixed_rng,
    };
    struct compiled *compiled = ctx->compiled;
    enum schema_slot slot;
    int rc = DOMCOMPAT_OK;

    switch (form) {
    case DOMCOMPAT_FORM_LEGACY: slot = SLOT_LEGACY; break;
    case DOMCOMPAT_FORM_EXPLICIT: slot = SLOT_EXPLICIT; break;
    case DOMCOMPAT_FORM_LIBVIRT: slot = SLOT_LIBVIRT; break;
    default: slot = SLOT_MIXED; break;
    }
    pthread_mutex_lock(&compiled->lock);
    if (compiled->schemas[slot] == NULL) {
        struct reserve_scope scope;

        reserve_begin(&scope);
        rc = compile_schema(&compiled->schemas[slot], sources[slot], err);
        /* What memory ran out for may be missing: compile again next time. */
        if (reserve_end(&scope)) {
            xmlRelaxNGFree(compiled->schemas[slot]);
            compiled->schemas[slot] = NULL;
            rc = error_nomem(err);
        }
        compiled->compiles += compiled->schemas[slot] != NULL;
    }
    *out = compiled->schemas[slot];
    pthread_mutex_unlock(&compiled->lock);
    return rc;
}

int context_rules(const domcompat_context *ctx, enum rules_direction direction,
                  xsltStylesheetPtr *out, domcompat_error *err)
{
    struct compiled *compiled = ctx->compiled;
    xsltStylesheetPtr *slot =
        direction == RULES_UPGRADE ? &compiled->upgrade : &compiled->downgrade;
    int rc = DOMCOMPAT_OK;

    pthread_mutex_lock(&compiled->lock);
    if (*slot == NULL) {
        struct reserve_scope scope;

        reserve_begin(&scope);
        rc = compile_stylesheet(
            slot, direction == RULES_UPGRADE ? &embedded_upgrade_xsl : &embedded_downgrade_xsl,
            err);
        if (reserve_end(&scope)) {
            xsltFreeStylesheet(*slot);
            *slot = NULL;
            rc = error_nomem(err);
        }
        compiled->compiles += *slot != NULL;
    }
    *out = *slot;
    pthread_mutex_unlock(&compiled->lock);
    return rc;
}

int domcompat_context_set_cache(domcompat_context *ctx, int enabled, domcompat_error *err)
{
    if (ctx == NULL)
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0, "domcompat_context_set_cache: no context");
    memo_enable(ctx->memo, enabled != 0);
    return DOMCOMPAT_OK;
}

void domcompat_limits_default(domcompat_limits *out)
{
    out->max_size = (size_t)32 * 1024 * 1024;
    out->max_depth = 64;
    out->max_attribute_length = (size_t)256 * 1024;
    out->max_attributes = 256;
}

size_t domcompat_limits_size_cap(size_t max_size)
{
    return bounds_size_cap(max_size);
}

int domcompat_context_set_limits(domcompat_context *ctx, const domcompat_limits *limits,
                                 domcompat_error *err)
{
    if (limits->max_size == 0 || limits->max_depth == 0 || limits->max_depth > 256 ||
        limits->max_attribute_length == 0 || limits->max_attributes == 0)
        return error_set(err, DOMCOMPAT_EUSAGE, 0, 0,
                         "limits must be at least 1, and the depth at most 256");
    ctx->limits = *limits;
    return DOMCOMPAT_OK;
}

int domcompat_use_memory_reserve(domcompat_error *err)
{
    xmlInitParser();
    if (reserve_install() != 0)
        return error_set(err, DOMCOMPAT_EINTERNAL, 0, 0,
                         "cannot set up libxml2's allocation functions");
    return DOMCOMPAT_OK;
}

/* Every load is refused; the parser reports the failure as an I/O error. */
static xmlParserInputPtr refuse_external_load(const char *url, const char *id,
                                              xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

/* libxslt loads document(), imports and includes through a loader of its own. */
static xmlDocPtr refuse_stylesheet_load(const xmlChar *uri, xmlDictPtr dict, int options,
                                        void *ctxt, xsltLoadType type)
{
    (void)uri;
    (void)dict;
    (void)options;
    (void)ctxt;
    (void)type;
    return NULL;
}

void domcompat_forbid_external_loading(void)
{
    xmlSetExternalEntityLoader(refuse_external_load);
    xsltSetLoaderFunc(refuse_stylesheet_load);
}
