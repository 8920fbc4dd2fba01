#include "parse.h"

#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "encoding.h"
#include "error.h"
#include "sourcemap.h"
#include "libxml_compat.h"

/*
 * What the tree is built of (see parse_document()): the kinds of element
 * kept, by where they stand.
 */
enum kept_kind { KEPT_ROOT, KEPT_OS, KEPT_TYPE, KEPT_DEVICES, KEPT_CONTROLLER };

struct pruning {
    bool on;
    bool controller_skipped;   /* a <controller> stood inside a skipped element */
    size_t elements;           /* start tags so far: the next element's ordinal */
    unsigned kept;             /* kept elements open around the parser's position */
    unsigned skipped;          /* skipped elements open, inside the innermost kept one */
    unsigned controller_depth; /* `kept` inside the outermost open <controller>; 0: none */
    enum kept_kind path[3];    /* the kinds of the outermost kept elements open */
};

struct parse_state {
    struct parse_errors errors; /* first: the parser context's _private is both */
    struct pruning pruning;
};

void parse_errors_record(void *state, libxml_error error)
{
    struct parse_errors *st = state;
    size_t len;

    if (error->level < XML_ERR_ERROR || st->failed)
        return;
    /*
     * Should xmlStopParser after a DOCTYPE report itself, the DOCTYPE is the
     * error (neither 2.9.14 nor 2.15.4 reports it: measured).
     */
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
    while (len > 0 && st->message[len - 1] == ' ')
        st->message[--len] = '\0';
    snprintf(st->detail, sizeof(st->detail), "%s", error->str1 ? error->str1 : "");
}

/* Errors raised through the parser context carry the context as `ctx`. */
static void on_parser_error(void *ctx, libxml_error error)
{
    parse_errors_record(((xmlParserCtxtPtr)ctx)->_private, error);
}

/*
 * Any DOCTYPE is refused before its declarations are read, so no entity is
 * ever defined, expanded or loaded.  The flag set here, not the parser's
 * result, says so: after xmlStopParser() here libxml2 2.9.14 returns a
 * document without a root that it calls well-formed, 2.15.4 returns NULL
 * (measured; errNo is XML_ERR_USER_STOP on both).
 */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;

    (void)name;
    (void)external_id;
    (void)system_id;
    ((struct parse_errors *)ctxt->_private)->doctype = true;
    xmlStopParser(ctxt);
}

void parse_errors_attach(xmlParserCtxtPtr ctxt, struct parse_errors *errors)
{
    ctxt->_private = errors;
    ctxt->sax->serror = on_parser_error;
    ctxt->sax->internalSubset = on_internal_subset;
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

/*
 * Refuses a declared encoding other than UTF-8 before libxml2 reads the
 * document: it would decode ISO-8859-1, UTF-7 and the like, and what it
 * says of an encoding it does not know or of a declaration the bytes
 * contradict differs between its versions (2.9.14: "Unsupported encoding
 * x-bogus", "Document labelled UTF-16 but has UTF-8 content"; 2.15.4:
 * "Unsupported encoding: x-bogus", "Blank needed here").
 */
static int check_declared_encoding(const char *data, size_t len, domcompat_error *err)
{
    char name[65];
    const char *declared;
    size_t declared_len;

    if (!encoding_declared(data, len, &declared, &declared_len))
        return DOMCOMPAT_OK;
    snprintf(name, sizeof(name), "%.*s%s", declared_len < 61 ? (int)declared_len : 60, declared,
             declared_len < 61 ? "" : "...");
    if (is_utf8_name(name))
        return DOMCOMPAT_OK;
    /* Really UTF-16 or UTF-32 bytes were refused already (wide_encoding()). */
    if (encoding_is_wide(declared, declared_len))
        return error_set(err, DOMCOMPAT_EINVALID, 1, 1,
                         "the document declares encoding '%s' but its bytes are not %s; "
                         "domcompat reads UTF-8 only (if they are UTF-8, declare "
                         "encoding='UTF-8')",
                         name, name);
    return error_set(err, DOMCOMPAT_EINVALID, 1, 1,
                     "the document declares encoding '%s'; domcompat reads UTF-8 only "
                     "(convert it first, for example with iconv -t UTF-8)",
                     name);
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

/*
 * A character error in domcompat's own words, when libxml2 stopped at the
 * first character of the input that is not UTF-8 or not allowed in XML (or
 * a later one: a character reference to such a character, say, is not in
 * the bytes, and keeps libxml2's text).  libxml2 words these differently
 * from version to version (2.9.14: "Input is not proper UTF-8, indicate
 * encoding !", "Char 0x0 out of allowed range"; 2.15.4: "Invalid bytes in
 * character encoding", "Invalid character: Char 0x0 out of allowed
 * range"), and even reports them with different codes.
 */
static bool report_bad_character(const struct parse_errors *st, const char *data, size_t len,
                                 domcompat_error *err)
{
    struct source_cursor cursor;
    unsigned long line, col;
    long character;
    size_t at = encoding_first_bad_character(data, len, &character);

    if (at == len)
        return false;
    source_cursor_init(&cursor);
    source_cursor_position(&cursor, data, at, &line, &col);
    if (st->line > 0 && (line > (unsigned long)st->line ||
                         (line == (unsigned long)st->line && col > (unsigned long)st->column)))
        return false;
    if (character < 0)
        error_set(err, DOMCOMPAT_EINVALID, line, col,
                  "not well-formed XML: invalid UTF-8 (byte 0x%02X); domcompat reads UTF-8 only "
                  "(convert it first, for example with iconv -t UTF-8)",
                  (unsigned)(unsigned char)data[at]);
    else
        error_set(err, DOMCOMPAT_EINVALID, line, col,
                  "not well-formed XML: character U+%04lX is not allowed in XML", character);
    return true;
}

static const char byte_order_mark[] = "\xEF\xBB\xBF";

/* Where `offset` is in `data`, as a line and a column. */
static void position_of(const char *data, size_t offset, unsigned long *line, unsigned long *col)
{
    struct source_cursor cursor;

    source_cursor_init(&cursor);
    source_cursor_position(&cursor, data, offset, line, col);
}

/*
 * libxml2 says "Document is empty" of any document that does not start with
 * '<' (after a byte order mark and whitespace): says what stands there
 * instead, and where.
 */
static int report_no_document(const char *data, size_t len, unsigned long line, unsigned long col,
                              domcompat_error *err)
{
    size_t bom = len >= 3 && memcmp(data, byte_order_mark, 3) == 0 ? 3 : 0, at = bom, end;

    while (at < len &&
           (data[at] == ' ' || data[at] == '\t' || data[at] == '\r' || data[at] == '\n'))
        at++;
    if (at == len) /* where libxml2 says: the end */
        return error_set(err, DOMCOMPAT_EINVALID, line, col,
                         at == bom ? "the document is empty; expected a <domain> element"
                                   : "the document holds only whitespace; expected a <domain> "
                                     "element");
    position_of(data, at, &line, &col);
    if (len - at >= 3 && memcmp(data + at, byte_order_mark, 3) == 0)
        return error_set(err, DOMCOMPAT_EINVALID, line, col,
                         "found a second byte order mark (U+FEFF) where the document should "
                         "start; expected a <domain> element");
    /* A few characters of it, up to the end of the line, never cut inside a UTF-8 sequence. */
    for (end = at; end < len && end - at < 32 && data[end] != '\n' && data[end] != '\0'; end++)
        ;
    while (end < len && end > at && ((unsigned char)data[end] & 0xC0) == 0x80)
        end--;
    return error_set(err, DOMCOMPAT_EINVALID, line, col,
                     "found '%.*s%s' where the document should start; expected a <domain> "
                     "element (XML starts with '<')",
                     (int)(end - at), data + at, end < len && data[end] != '\n' ? "..." : "");
}

/* The message for a NUL byte after the root element, at LINE:COL, whichever libxml2 saw it. */
static int report_nul_after_root(unsigned long line, unsigned long col, domcompat_error *err)
{
    return error_set(err, DOMCOMPAT_EINVALID, line, col,
                     "not well-formed XML: a NUL byte after the end of the root element; "
                     "expected nothing after it but comments, processing instructions and "
                     "whitespace");
}

/* Whether the first NUL byte of DATA is at LINE:COL. */
static bool first_nul_is_at(const char *data, size_t len, unsigned long line, unsigned long col)
{
    const char *nul = memchr(data, '\0', len);
    unsigned long nul_line, nul_col;

    if (nul == NULL)
        return false;
    position_of(data, (size_t)(nul - data), &nul_line, &nul_col);
    return nul_line == line && nul_col == col;
}

static int report_parse_error(const struct parse_errors *st, const char *data, size_t len,
                              domcompat_error *err)
{
    unsigned long line = st->line > 0 ? (unsigned long)st->line : 0;
    unsigned long col = st->column > 0 ? (unsigned long)st->column : 0;

    if ((st->code == XML_ERR_INVALID_CHAR || st->code == XML_ERR_INVALID_ENCODING) &&
        report_bad_character(st, data, len, err))
        return DOMCOMPAT_EINVALID;
    switch (st->code) {
    case XML_ERR_DOCUMENT_EMPTY: return report_no_document(data, len, line, col, err);
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
    case XML_ERR_DOCUMENT_END:
        /*
         * libxml2 2.15.4 reports a NUL byte after the root element as
         * extra content there; 2.9.14 ends the input at it without a word
         * (parse_document checks that case; both measured with xmllint).
         * One message, whichever libxml2 reads it.
         */
        if (first_nul_is_at(data, len, line, col))
            return report_nul_after_root(line, col, err);
        return error_set(err, DOMCOMPAT_EINVALID, line, col, "not well-formed XML: %s",
                         st->message);
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
    if (element == NULL || parse_element_ordinal(element, &ordinal) != 0 ||
        source_map_build(&map, data, len) != 0)
        return;
    if (ordinal < map.count) {
        source_cursor_init(&cursor);
        source_cursor_position(&cursor, data, map.tags[ordinal].start, line, column);
    }
    source_map_free(&map);
}

/*
 * Only the elements the skeleton copies (skeleton.h) go into the tree,
 * with their attributes: <domain>, <os> and its <type> elements,
 * <devices>, and every <controller> with all it holds.  Everything else
 * is still parsed, and checked for well-formedness, but nothing reads it
 * from the tree: the output is spliced from the input's own bytes
 * (rewrite.h), and elements are found in those bytes by their ordinal,
 * which each kept element carries (parse_element_ordinal()).  A typical
 * domain's disks, interfaces, text and the like are most of its nodes.
 *
 * A <controller> inside an element left out has no kept parent to hang
 * from; such a document, which no grammar accepts, is parsed again whole
 * so that its error names the right element.
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

static bool is_named(const xmlChar *localname, const xmlChar *uri, const char *name)
{
    return uri == NULL && strcmp((const char *)localname, name) == 0;
}

/*
 * The kind of a new element under the innermost kept one, or false when
 * it is left out of the tree: the parts the skeleton copies (skeleton.h),
 * which are also all that the controllers' checks read.
 */
static bool kept_kind_of(const struct pruning *p, const xmlChar *localname, const xmlChar *uri,
                         enum kept_kind *kind)
{
    enum kept_kind parent;

    if (p->kept == 0 || p->controller_depth != 0 || is_named(localname, uri, "controller")) {
        *kind = p->kept == 0 ? KEPT_ROOT : KEPT_CONTROLLER;
        return true;
    }
    /* Outside a controller only <domain>, <os>, <type> and <devices> are kept: three deep. */
    parent = p->path[p->kept - 1];
    if (parent == KEPT_ROOT && is_named(localname, uri, "os"))
        *kind = KEPT_OS;
    else if (parent == KEPT_ROOT && is_named(localname, uri, "devices"))
        *kind = KEPT_DEVICES;
    else if (parent == KEPT_OS && is_named(localname, uri, "type"))
        *kind = KEPT_TYPE;
    else
        return false;
    return true;
}

static void start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                          const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                          int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct pruning *p = &((struct parse_state *)ctxt->_private)->pruning;
    size_t ordinal = p->elements++;
    xmlNode *parent = ctxt->node;
    enum kept_kind kind = KEPT_CONTROLLER;

    if (p->on && (p->skipped > 0 || !kept_kind_of(p, localname, uri, &kind))) {
        p->skipped++;
        if (is_named(localname, uri, "controller"))
            p->controller_skipped = true;
        return;
    }
    if (p->kept < sizeof(p->path) / sizeof(p->path[0]))
        p->path[p->kept] = kind;
    p->kept++;
    if (kind == KEPT_CONTROLLER && p->controller_depth == 0)
        p->controller_depth = p->kept;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    /* Not pushed when out of memory: the parse fails then, and the parent keeps its own. */
    if (ctxt->node != NULL && ctxt->node != parent)
        ctxt->node->psvi = (void *)(uintptr_t)(ordinal + 1);
}

static void end_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                        const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct pruning *p = &((struct parse_state *)ctxt->_private)->pruning;

    if (p->skipped > 0) {
        p->skipped--;
        return;
    }
    if (p->controller_depth == p->kept)
        p->controller_depth = 0;
    p->kept--;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

int parse_element_ordinal(const xmlNode *element, size_t *ordinal)
{
    uintptr_t stored = (uintptr_t)element->psvi;

    if (element->type != XML_ELEMENT_NODE || stored == 0)
        return -1;
    *ordinal = (size_t)(stored - 1);
    return 0;
}

/* One parse of `data` into a tree, pruned or whole; NULL if it failed (see `st`). */
static xmlDocPtr read_tree(xmlParserCtxtPtr ctxt, struct parse_state *st, bool pruned,
                           const char *data, size_t len)
{
    memset(st, 0, sizeof(*st));
    st->pruning.on = pruned;
    /*
     * No DTD loading, no entity substitution, no XInclude: all are off by
     * default.  The tree is only read, never changed (the rules edit the
     * skeleton), so short attribute values are kept in their nodes rather
     * than allocated apart.
     */
    return xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL,
                             XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES |
                                 XML_PARSE_COMPACT);
}

int parse_document(xmlDocPtr *out, const char *data, size_t len, domcompat_error *err)
{
    struct parse_state st;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    struct libxml_handler saved_handler;
    const char *wide, *nul;
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
    if ((rc = check_declared_encoding(data, len, err)) != DOMCOMPAT_OK)
        return rc;

    /* Errors raised outside the context's channel, its creation included, must not reach stderr. */
    libxml_handler_install(&saved_handler, &st.errors, parse_errors_record);
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        rc = error_nomem(err);
        goto out;
    }
    parse_errors_attach(ctxt, &st.errors);
    ctxt->sax->characters = ctxt->sax->ignorableWhitespace = ctxt->sax->cdataBlock = skip_text;
    ctxt->sax->comment = skip_comment;
    ctxt->sax->processingInstruction = skip_processing_instruction;
    ctxt->sax->startElementNs = start_element;
    ctxt->sax->endElementNs = end_element;

    doc = read_tree(ctxt, &st, true, data, len);
    /* A <controller> out of place, which every grammar refuses, is reported from the whole tree. */
    if (st.pruning.controller_skipped) {
        xmlFreeDoc(doc);
        doc = read_tree(ctxt, &st, false, data, len);
    }

    if (st.errors.doctype || (doc != NULL && (doc->intSubset != NULL || doc->extSubset != NULL))) {
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
    if (st.errors.failed) {
        rc = report_parse_error(&st.errors, data, len, err);
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
    /*
     * libxml2 2.9.14 takes a NUL byte after the root element for the end of
     * the input, and would let whatever follows it pass unread; 2.15.4
     * reports it (see report_parse_error).  Which release between them
     * first did was not measured (2.12.0's news lists "parser: Fix
     * detection of null bytes").  It is one memchr() over a document that
     * parsed, so the check stays on every version: where libxml2 reports
     * the byte, the document never gets here.
     */
    if ((nul = memchr(data, '\0', len)) != NULL) {
        unsigned long line, col;

        position_of(data, (size_t)(nul - data), &line, &col);
        rc = report_nul_after_root(line, col, err);
        goto out;
    }
    *out = doc;
    doc = NULL; /* now owned by the caller */
out:
    libxml_handler_restore(&saved_handler);
    /* libxml2 keeps a copy of the last error per thread: not a copy of our input. */
    xmlResetLastError();
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
