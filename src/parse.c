#include "parse.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "sourcemap.h"

struct parse_state {
    bool doctype;
    bool failed; /* an error of level XML_ERR_ERROR or worse was seen */
    int code;
    int line;
    int column;
    char detail[160]; /* error->str1, e.g. the redefined attribute's name */
    char message[512];
};

static void record_error(struct parse_state *st, const xmlError *error)
{
    size_t len;

    if (error->level < XML_ERR_ERROR || st->failed)
        return;
    /* xmlStopParser after a DOCTYPE reports itself; the DOCTYPE is the error. */
    if (st->doctype && error->code == XML_ERR_USER_STOP)
        return;
    st->failed = true;
    st->code = error->code;
    st->line = error->line;
    st->column = error->int2;
    snprintf(st->message, sizeof(st->message), "%s", error->message ? error->message : "");
    /* libxml2 sometimes adds a second line (the offending bytes): one line is the contract. */
    st->message[strcspn(st->message, "\n")] = '\0';
    len = strlen(st->message);
    while (len > 0 && (st->message[len - 1] == '\n' || st->message[len - 1] == ' '))
        st->message[--len] = '\0';
    snprintf(st->detail, sizeof(st->detail), "%s", error->str1 ? error->str1 : "");
}

/* Errors raised through the parser context carry the context as `ctx`. */
static void on_parser_error(void *ctx, xmlErrorPtr error)
{
    xmlParserCtxtPtr ctxt = ctx;

    record_error(ctxt->_private, error);
}

/* Errors raised without the context (encoding, I/O) reach the thread's handler. */
static void on_thread_error(void *state, xmlErrorPtr error)
{
    record_error(state, error);
}

/*
 * Any DOCTYPE is refused before its declarations are read, so no entity is
 * ever defined, expanded or loaded.
 */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;

    (void)name;
    (void)external_id;
    (void)system_id;
    st->doctype = true;
    xmlStopParser(ctxt);
}

/* Names libxml2 may record for an input that is UTF-8 byte for byte. */
static bool is_utf8_name(const char *name)
{
    return strcasecmp(name, "UTF-8") == 0 || strcasecmp(name, "UTF8") == 0 ||
           strcasecmp(name, "US-ASCII") == 0 || strcasecmp(name, "ASCII") == 0;
}

/* UTF-16, UTF-32 and EBCDIC announce themselves in their first bytes. */
static const char *wide_encoding(const unsigned char *d, size_t len)
{
    if (len >= 4 && ((d[0] == 0 && d[1] == 0 && d[2] == 0xFE && d[3] == 0xFF) ||
                     (d[0] == 0xFF && d[1] == 0xFE && d[2] == 0 && d[3] == 0)))
        return "UTF-32";
    if (len >= 2 && ((d[0] == 0xFE && d[1] == 0xFF) || (d[0] == 0xFF && d[1] == 0xFE)))
        return "UTF-16";
    if (len >= 2 && ((d[0] == 0 && d[1] == '<') || (d[0] == '<' && d[1] == 0)))
        return "UTF-16";
    /* "<?xm" in EBCDIC, which libxml2 detects and decodes on its own. */
    if (len >= 4 && d[0] == 0x4C && d[1] == 0x6F && d[2] == 0xA7 && d[3] == 0x94)
        return "EBCDIC";
    return NULL;
}

static bool only_whitespace(const char *data, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
            return false;
    return len > 0;
}

/*
 * libxml2 reports a repeated attribute after reading it; point at the
 * repetition itself: the last "NAME=" before that column on that line.
 */
static unsigned long repeated_attribute_column(const char *data, size_t len, unsigned long line,
                                               unsigned long col, const char *name)
{
    size_t start = 0, end, i, name_len = strlen(name);
    unsigned long n, best = col;

    for (n = 1; n < line && start < len; n++) {
        const char *nl = memchr(data + start, '\n', len - start);

        if (nl == NULL)
            return col;
        start = (size_t)(nl - data) + 1;
    }
    end = start;
    for (n = 1; n < col && end < len; end++)
        if (((unsigned char)data[end] & 0xC0) != 0x80)
            n++;
    for (i = start, n = 1; name_len > 0 && i + name_len <= end; i++) {
        size_t j = i + name_len;

        while (j < end && (data[j] == ' ' || data[j] == '\t'))
            j++;
        if (i > start && (data[i - 1] == ' ' || data[i - 1] == '\t') &&
            memcmp(data + i, name, name_len) == 0 && j < end && data[j] == '=')
            best = n;
        if (((unsigned char)data[i] & 0xC0) != 0x80)
            n++;
    }
    return best;
}

static int report_parse_error(const struct parse_state *st, const char *data, size_t len,
                              domcompat_error *err)
{
    unsigned long line = st->line > 0 ? (unsigned long)st->line : 0;
    unsigned long col = st->column > 0 ? (unsigned long)st->column : 0;

    switch (st->code) {
    case XML_ERR_DOCUMENT_EMPTY:
        return error_set(err, DOMCOMPAT_EINVALID, line, col,
                         only_whitespace(data, len)
                             ? "the document holds only whitespace; expected a <domain> element"
                             : "the document is empty; expected a <domain> element");
    case XML_ERR_DOCUMENT_START:
        return error_set(err, DOMCOMPAT_EINVALID, line, col,
                         "no start tag found; expected a <domain> element");
    case XML_ERR_ATTRIBUTE_REDEFINED:
    case XML_NS_ERR_ATTRIBUTE_REDEFINED:
        col = repeated_attribute_column(data, len, line, col, st->detail);
        return error_set(
            err, DOMCOMPAT_EINVALID, line, col,
            "attribute '%s' appears twice in one element; expected each attribute once",
            st->detail);
    case XML_ERR_NO_MEMORY: return error_nomem(err);
    default:
        return error_set(err, DOMCOMPAT_EINVALID, line, col, "not well-formed XML: %s",
                         st->message);
    }
}

void parse_element_position(const char *data, size_t len, xmlNode *element, unsigned long *line,
                            unsigned long *column)
{
    struct source_map map;
    struct source_cursor cursor;
    size_t ordinal;

    *line = element ? (unsigned long)xmlGetLineNo(element) : 0;
    *column = 0;
    if (element == NULL || source_map_build(&map, data, len) != 0)
        return;
    if (source_map_ordinals(xmlDocGetRootElement(element->doc), &element, 1, &ordinal) == 0 &&
        ordinal < map.count) {
        source_cursor_init(&cursor);
        source_cursor_position(&cursor, data, map.tags[ordinal].start, line, column);
    }
    source_map_free(&map);
}

/*
 * Only elements and attributes go into the tree.  Everything else is
 * still parsed, and checked for well-formedness, but nothing reads it from
 * the tree: the output is spliced from the input's own bytes (rewrite.h)
 * and the skeleton holds elements only (skeleton.h).  Leaving it out
 * spares about a third of a typical domain's nodes.
 */
static void skip_text(void *ctx, const xmlChar *text, int len)
{
    (void)ctx;
    (void)text;
    (void)len;
}

static void skip_comment(void *ctx, const xmlChar *text)
{
    (void)ctx;
    (void)text;
}

static void skip_processing_instruction(void *ctx, const xmlChar *target, const xmlChar *data)
{
    (void)ctx;
    (void)target;
    (void)data;
}

int parse_document(xmlDocPtr *out, const char *data, size_t len, domcompat_error *err)
{
    struct parse_state st;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    xmlStructuredErrorFunc saved_handler = xmlStructuredError;
    void *saved_handler_ctx = xmlStructuredErrorContext;
    const char *wide;
    xmlNode *root;
    int rc = DOMCOMPAT_OK;

    *out = NULL;
    memset(&st, 0, sizeof(st));
    if (len > INT_MAX)
        return error_set(err, DOMCOMPAT_EINVALID, 0, 0, "the document is larger than %d bytes",
                         INT_MAX);
    if (len >= 2 && (unsigned char)data[0] == 0x1F && (unsigned char)data[1] == 0x8B)
        return error_set(err, DOMCOMPAT_EINVALID, 1, 1,
                         "the document is gzip-compressed, not XML text; decompress it first "
                         "(for example with gunzip)");
    wide = wide_encoding((const unsigned char *)data, len);
    if (wide != NULL)
        return error_set(err, DOMCOMPAT_EINVALID, 1, 1,
                         "the document is %s; domcompat reads UTF-8 only "
                         "(convert it first, for example with iconv -t UTF-8)",
                         wide);

    /* Errors raised outside the context's channel, its creation included, must not reach stderr. */
    xmlSetStructuredErrorFunc(&st, on_thread_error);
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        rc = error_nomem(err);
        goto out;
    }
    ctxt->_private = &st;
    ctxt->sax->serror = on_parser_error;
    ctxt->sax->internalSubset = on_internal_subset;
    ctxt->sax->characters = ctxt->sax->ignorableWhitespace = ctxt->sax->cdataBlock = skip_text;
    ctxt->sax->comment = skip_comment;
    ctxt->sax->processingInstruction = skip_processing_instruction;

    /*
     * No DTD loading, no entity substitution, no XInclude: all are off by
     * default.  The tree is only read, never changed (the rules edit the
     * skeleton), so short attribute values are kept in their nodes rather
     * than allocated apart.
     */
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES |
                                XML_PARSE_COMPACT);

    if (st.doctype || (doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL))) {
        struct source_cursor cursor;
        unsigned long line = 0, col = 0;
        size_t at = source_find_doctype(data, len);

        if (at < len) {
            source_cursor_init(&cursor);
            source_cursor_position(&cursor, data, at, &line, &col);
        }
        rc = error_set(err, DOMCOMPAT_EINVALID, line, col,
                       "a DOCTYPE is not allowed (libvirt never writes one); "
                       "expected the <domain> element without a DOCTYPE");
        goto out;
    }
    if (st.failed) {
        rc = report_parse_error(&st, data, len, err);
        goto out;
    }
    if (doc == NULL || !ctxt->wellFormed || !ctxt->nsWellFormed) {
        rc = error_set(err, DOMCOMPAT_EINVALID, 0, 0, "not well-formed XML");
        goto out;
    }
    if (doc->encoding != NULL && !is_utf8_name((const char *)doc->encoding)) {
        rc = error_set(err, DOMCOMPAT_EINVALID, 1, 1,
                       "the document declares encoding '%s'; domcompat reads UTF-8 only "
                       "(convert it first, for example with iconv -t UTF-8)",
                       (const char *)doc->encoding);
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    if (root == NULL) {
        rc = error_set(err, DOMCOMPAT_EINVALID, 0, 0,
                       "no root element; expected a <domain> element");
        goto out;
    }
    if (root->ns != NULL || !xmlStrEqual(root->name, BAD_CAST "domain")) {
        unsigned long line, col;

        parse_element_position(data, len, root, &line, &col);
        rc = error_set(err, DOMCOMPAT_EINVALID, line, col,
                       "the root element is <%s%s%s>%s; expected <domain> in no namespace",
                       root->ns && root->ns->prefix ? (const char *)root->ns->prefix : "",
                       root->ns && root->ns->prefix ? ":" : "", (const char *)root->name,
                       root->ns ? " in a namespace" : "");
        goto out;
    }
    *out = doc;
    doc = NULL; /* now owned by the caller */
out:
    xmlSetStructuredErrorFunc(saved_handler_ctx, saved_handler);
    /* libxml2 keeps a copy of the last error per thread: not a copy of our input. */
    xmlResetLastError();
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

const xmlChar *parse_attribute_value(const xmlAttr *attr, xmlChar **joined)
{
    const xmlNode *text = attr->children;

    *joined = NULL;
    if (text == NULL)
        return BAD_CAST "";
    if (text->type == XML_TEXT_NODE && text->next == NULL && text->content != NULL)
        return text->content;
    *joined = xmlNodeListGetString(attr->doc, text, 1);
    return *joined;
}
