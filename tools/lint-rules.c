/*
 * lint-rules: what the memory of answers rests on, checked.
 *
 * The library remembers what the rules answered for a PCI controller under
 * a key made of the rules' parameters, the guest's <os><type> and the
 * controller itself (src/lib/question.h), and gives that answer to every
 * controller with the same key, in any document.  That is sound only if no
 * rule reads anything else.  This program reads stylesheets and reports,
 * as FILE:LINE: what, every construct that would let a rule see more:
 *
 *   - the axes that leave the controller (ancestor, preceding, following
 *     and their variants), "..", "//", and the parent axis towards
 *     anything but a named element inside the controller;
 *   - key(), document(), id(), position(), last(), generate-id(),
 *     unparsed-entity-uri() and any extension function;
 *   - xsl:key, xsl:number, xsl:import and extension elements;
 *   - (not a read, but the same kind of promise) a string naming a
 *     command-line option, which is the program's to word;
 *   - an absolute path other than /domain/os/type (and what is below it),
 *     except /domain/devices/controller[@type = 'pci'] as the whole select
 *     of the xsl:for-each, in a template matching "/", that answers for
 *     each controller in turn;
 *   - a relative path evaluated from the document's root, or a template
 *     applied or called from there: in a top-level variable or parameter,
 *     or in a template matching "/" outside that xsl:for-each.
 *
 * With --grammar it reads linked grammars (build/schemas/FORM.rng) instead
 * and checks what skeleton.c's projection rests on: a PCI controller's
 * children are judged by name only when the wildcard for the others
 * excepts that name (the names xslt/gen/pci-judged-c.xsl gives the
 * projection), and the others as any content but a <controller>.  The
 * wildcard may sit in the controller's patterns or in a definition they
 * refer to; every wildcard reached, in every grammar given, must except
 * the same names, since the projection reads one list.
 *
 * Exit status: 0 when nothing was found, 1 when something was, 2 when a
 * file could not be read.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XSLT_NS "http://www.w3.org/1999/XSL/Transform"
#define RNG_NS "http://relaxng.org/ns/structure/1.0"
#define MAX_TOKENS 512
#define DRIVER_SELECT "/domain/devices/controller[@type='pci']" /* spaces left out */

static int problems;

static void report(const char *file, const xmlNode *node, const char *what, const char *detail)
{
    fprintf(stderr, "%s:%ld: %s%s%s\n", file, xmlGetLineNo(node), what, detail ? ": " : "",
            detail ? detail : "");
    problems++;
}

/* ---- XPath tokens ---------------------------------------------------------------------- */

enum token_type {
    T_OPEN,     /* ( */
    T_CLOSE,    /* ) */
    T_LBRACKET, /* [ */
    T_RBRACKET, /* ] */
    T_DOT,      /* . */
    T_DOTDOT,   /* .. */
    T_AT,       /* @ */
    T_COMMA,
    T_AXIS_SEP, /* :: */
    T_NAMETEST, /* a name, prefix:*, or * */
    T_NODETYPE, /* node(), text()... */
    T_OPERATOR, /* / // | + - = != < <= > >= * and or mod div */
    T_FUNCTION,
    T_AXIS,
    T_LITERAL,
    T_NUMBER,
    T_VARIABLE
};

struct token {
    enum token_type type;
    char text[128];
};

static bool is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (unsigned char)c >= 0x80;
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * XPath 1.0's rule (section 3.7): after a token that cannot end an operand
 * ('@', '::', '(', '[', ',' or an operator), or at the start, '*' is a
 * name test and a name is not an operator name.
 */
static bool operand_expected(const struct token *tokens, size_t n)
{
    enum token_type t;

    if (n == 0)
        return true;
    t = tokens[n - 1].type;
    return t == T_AT || t == T_AXIS_SEP || t == T_OPEN || t == T_LBRACKET || t == T_COMMA ||
           t == T_OPERATOR;
}

static void set(struct token *token, enum token_type type, const char *text, size_t len)
{
    token->type = type;
    if (len >= sizeof(token->text))
        len = sizeof(token->text) - 1;
    memcpy(token->text, text, len);
    token->text[len] = '\0';
}

/* Splits `expr`; returns the number of tokens, or -1 when it cannot. */
static long tokenize(const char *expr, struct token *tokens)
{
    const char *p = expr;
    size_t n = 0;

    while (*p != '\0') {
        const char *start = p;

        if (is_space(*p)) {
            p++;
            continue;
        }
        if (n == MAX_TOKENS)
            return -1;
        if (*p == '\'' || *p == '"') {
            const char *end = strchr(p + 1, *p);

            if (end == NULL)
                return -1;
            set(&tokens[n++], T_LITERAL, p + 1, (size_t)(end - p - 1));
            p = end + 1;
        } else if ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')) {
            while ((*p >= '0' && *p <= '9') || *p == '.')
                p++;
            set(&tokens[n++], T_NUMBER, start, (size_t)(p - start));
        } else if (p[0] == '.' && p[1] == '.') {
            set(&tokens[n++], T_DOTDOT, p, 2);
            p += 2;
        } else if (strchr("()[].@,", *p) != NULL) {
            static const enum token_type types[] = {T_OPEN, T_CLOSE, T_LBRACKET, T_RBRACKET,
                                                    T_DOT,  T_AT,    T_COMMA};

            set(&tokens[n], types[strchr("()[].@,", *p) - "()[].@,"], p, 1);
            n++;
            p++;
        } else if (p[0] == ':' && p[1] == ':') {
            set(&tokens[n++], T_AXIS_SEP, p, 2);
            p += 2;
        } else if (*p == '$') {
            p++;
            while (is_name_char(*p) || *p == ':')
                p++;
            set(&tokens[n++], T_VARIABLE, start, (size_t)(p - start));
        } else if (*p == '*') {
            set(&tokens[n], operand_expected(tokens, n) ? T_NAMETEST : T_OPERATOR, p, 1);
            n++;
            p++;
        } else if (p[0] == '/' && p[1] == '/') {
            set(&tokens[n++], T_OPERATOR, p, 2);
            p += 2;
        } else if ((p[0] == '!' || p[0] == '<' || p[0] == '>') && p[1] == '=') {
            set(&tokens[n++], T_OPERATOR, p, 2);
            p += 2;
        } else if (strchr("/|+-=<>", *p) != NULL) {
            set(&tokens[n++], T_OPERATOR, p, 1);
            p++;
        } else if (is_name_start(*p)) {
            const char *after;

            while (is_name_char(*p))
                p++;
            /* prefix:name or prefix:*, but not the axis separator. */
            if (p[0] == ':' && p[1] != ':') {
                p++;
                if (*p == '*')
                    p++;
                else
                    while (is_name_char(*p))
                        p++;
            }
            for (after = p; is_space(*after); after++)
                ;
            if (!operand_expected(tokens, n))
                set(&tokens[n], T_OPERATOR, start, (size_t)(p - start));
            else if (after[0] == ':' && after[1] == ':')
                set(&tokens[n], T_AXIS, start, (size_t)(p - start));
            else if (*after == '(' &&
                     ((p - start == 4 && memcmp(start, "node", 4) == 0) ||
                      (p - start == 4 && memcmp(start, "text", 4) == 0) ||
                      (p - start == 7 && memcmp(start, "comment", 7) == 0) ||
                      (p - start == 22 && memcmp(start, "processing-instruction", 22) == 0)))
                set(&tokens[n], T_NODETYPE, start, (size_t)(p - start));
            else if (*after == '(')
                set(&tokens[n], T_FUNCTION, start, (size_t)(p - start));
            else
                set(&tokens[n], T_NAMETEST, start, (size_t)(p - start));
            n++;
        } else {
            return -1;
        }
    }
    return (long)n;
}

/* ---- stylesheets ------------------------------------------------------------------------ */

/* Where an expression is evaluated. */
enum context {
    IN_CONTROLLER, /* a controller or something inside it, or <os><type> */
    AT_ROOT        /* the document's root: no relative path may start here */
};

static bool is_xslt(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           xmlStrEqual(node->ns->href, BAD_CAST XSLT_NS) &&
           (name == NULL || xmlStrEqual(node->name, BAD_CAST name));
}

static bool token_is(const struct token *t, enum token_type type, const char *text)
{
    return t->type == type && strcmp(t->text, text) == 0;
}

/* Whether tokens[i..] spell domain / os / type: the guest's <os><type>. */
static bool os_type_path(const struct token *tokens, long n, long i)
{
    static const char *const steps[] = {"domain", "/", "os", "/", "type"};
    long k;

    for (k = 0; k < 5; k++)
        if (i + k >= n || strcmp(tokens[i + k].text, steps[k]) != 0)
            return false;
    return i + 5 == n || tokens[i + 5].type != T_NAMETEST;
}

/*
 * Whether a string names a command-line option ("--" and a letter): the
 * library's texts mark settings for the caller to word (domcompat_word()).
 */
static bool names_an_option(const char *text)
{
    const char *at;

    for (at = strstr(text, "--"); at != NULL; at = strstr(at + 1, "--"))
        if (at[2] >= 'a' && at[2] <= 'z')
            return true;
    return false;
}

/* Checks one XPath expression (or pattern, when `pattern`). */
static void check_expression(const char *file, const xmlNode *node, const char *expr,
                             enum context context, bool pattern)
{
    static const char *const forbidden_axes[] = {"ancestor",  "ancestor-or-self",
                                                 "preceding", "preceding-sibling",
                                                 "following", "following-sibling"};
    static const char *const forbidden_functions[] = {
        "key", "document", "id", "position", "last", "generate-id", "unparsed-entity-uri"};
    struct token tokens[MAX_TOKENS];
    long n = tokenize(expr, tokens), i;
    size_t k;
    int depth = 0;

    if (n < 0) {
        report(file, node, "an expression the lint cannot read", expr);
        return;
    }
    if (pattern && n == 1 && token_is(&tokens[0], T_OPERATOR, "/"))
        return;
    for (i = 0; i < n; i++) {
        const struct token *t = &tokens[i];
        bool starts_path = i == 0 || tokens[i - 1].type == T_OPEN ||
                           tokens[i - 1].type == T_LBRACKET || tokens[i - 1].type == T_COMMA ||
                           (tokens[i - 1].type == T_OPERATOR && strcmp(tokens[i - 1].text, "/") &&
                            strcmp(tokens[i - 1].text, "//"));

        if (t->type == T_LITERAL && names_an_option(t->text))
            report(file, node,
                   "a rule's text names a command-line option; mark the setting instead "
                   "({assume KIND=IMPLEMENTATION}, {no-assume ...}, {from}, {allow-loss})",
                   t->text);
        if (t->type == T_LBRACKET)
            depth++;
        else if (t->type == T_RBRACKET)
            depth--;
        if (token_is(t, T_OPERATOR, "//")) {
            report(file, node, "'//' reads beyond the controller", expr);
        } else if (t->type == T_DOTDOT) {
            report(file, node, "'..' reads beyond the controller", expr);
        } else if (t->type == T_AXIS) {
            for (k = 0; k < sizeof(forbidden_axes) / sizeof(forbidden_axes[0]); k++)
                if (strcmp(t->text, forbidden_axes[k]) == 0)
                    report(file, node, "an axis that leaves the controller", t->text);
            if (strcmp(t->text, "parent") == 0 && i + 2 < n &&
                (token_is(&tokens[i + 2], T_NAMETEST, "*") ||
                 token_is(&tokens[i + 2], T_NAMETEST, "devices") ||
                 token_is(&tokens[i + 2], T_NAMETEST, "domain") ||
                 tokens[i + 2].type == T_NODETYPE))
                report(file, node, "the parent axis may only name an element inside the controller",
                       expr);
        } else if (t->type == T_FUNCTION) {
            for (k = 0; k < sizeof(forbidden_functions) / sizeof(forbidden_functions[0]); k++)
                if (strcmp(t->text, forbidden_functions[k]) == 0)
                    report(file, node, "a function that reads beyond the controller", t->text);
            if (strchr(t->text, ':') != NULL)
                report(file, node, "an extension function", t->text);
        } else if (token_is(t, T_OPERATOR, "/") && starts_path) {
            if (!os_type_path(tokens, n, i + 1))
                report(file, node, "an absolute path other than /domain/os/type", expr);
        }
        if (context == AT_ROOT && depth == 0 && starts_path &&
            (t->type == T_NAMETEST || t->type == T_NODETYPE || t->type == T_DOT ||
             t->type == T_AT || t->type == T_AXIS))
            report(file, node, "a path from the document's root", expr);
    }
}

/* Checks the expressions between braces of an attribute value template. */
static void check_avt(const char *file, const xmlNode *node, const char *value,
                      enum context context)
{
    const char *p = value, *close;
    char expr[1024];

    while ((p = strchr(p, '{')) != NULL) {
        if (p[1] == '{') {
            p += 2;
            continue;
        }
        if ((close = strchr(p, '}')) == NULL)
            return;
        snprintf(expr, sizeof(expr), "%.*s", (int)(close - p - 1), p + 1);
        check_expression(file, node, expr, context, false);
        p = close + 1;
    }
}

/* The attributes of XSLT elements that hold an expression or a pattern. */
static bool holds_expression(const xmlAttr *attr, bool *pattern)
{
    static const char *const names[] = {"select", "test", "use", "value", "count", "from"};
    size_t i;

    *pattern = xmlStrEqual(attr->name, BAD_CAST "match");
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (xmlStrEqual(attr->name, BAD_CAST names[i]))
            return true;
    return *pattern;
}

static bool driver(const xmlNode *node, bool root_template)
{
    xmlChar *select;
    char normalized[256];
    size_t k = 0;
    bool is;

    if (!root_template || !is_xslt(node, "for-each"))
        return false;
    select = xmlGetNoNsProp(node, BAD_CAST "select");
    for (const xmlChar *p = select; p != NULL && *p && k + 1 < sizeof(normalized); p++)
        if (!is_space((char)*p))
            normalized[k++] = (char)*p;
    normalized[k] = '\0';
    is = strcmp(normalized, DRIVER_SELECT) == 0;
    xmlFree(select);
    return is;
}

static void check_element(const char *file, const xmlNode *node, enum context context,
                          bool top_level, bool root_template)
{
    static const char *const forbidden[] = {"key", "number", "import", "script"};
    const xmlAttr *attr;
    const xmlNode *child;
    size_t i;

    if (is_xslt(node, "template")) {
        xmlChar *match = xmlGetNoNsProp(node, BAD_CAST "match");

        root_template = match != NULL && xmlStrEqual(match, BAD_CAST "/");
        context = root_template ? AT_ROOT : IN_CONTROLLER;
        xmlFree(match);
    } else if (top_level && (is_xslt(node, "variable") || is_xslt(node, "param"))) {
        context = AT_ROOT;
    } else if (driver(node, root_template)) {
        context = IN_CONTROLLER;
    }
    /* A template called from the root would read from there. */
    if (context == AT_ROOT && (is_xslt(node, "call-template") || is_xslt(node, "apply-templates")))
        report(file, node, "a template applied from the document's root", NULL);
    for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
        if (is_xslt(node, forbidden[i]))
            report(file, node, "an element that reads beyond the controller",
                   (const char *)node->name);
    for (attr = node->properties; attr != NULL; attr = attr->next) {
        xmlChar *value = xmlNodeListGetString(node->doc, attr->children, 1);
        bool pattern;

        if (value == NULL)
            continue;
        if (xmlStrEqual(attr->name, BAD_CAST "extension-element-prefixes"))
            report(file, node, "extension elements", (const char *)value);
        else if (driver(node, root_template) && xmlStrEqual(attr->name, BAD_CAST "select"))
            ; /* the one way the rules reach the controllers */
        else if (is_xslt(node, NULL) && attr->ns == NULL && holds_expression(attr, &pattern))
            check_expression(file, node, (const char *)value, context, pattern);
        else if (!is_xslt(node, NULL) || is_xslt(node, "attribute") || is_xslt(node, "element"))
            check_avt(file, node, (const char *)value, context);
        xmlFree(value);
    }
    for (child = node->children; child != NULL; child = child->next)
        if (child->type == XML_ELEMENT_NODE)
            check_element(file, child, context, is_xslt(node, "stylesheet"), root_template);
}

/* ---- grammars ---------------------------------------------------------------------------- */

static bool is_rng(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           xmlStrEqual(node->ns->href, BAD_CAST RNG_NS) && xmlStrEqual(node->name, BAD_CAST name);
}

static const xmlNode *first_element(const xmlNode *node)
{
    for (node = node ? node->children : NULL; node != NULL; node = node->next)
        if (node->type == XML_ELEMENT_NODE)
            return node;
    return NULL;
}

static bool has_name(const xmlNode *node, const char *attr, const char *value)
{
    xmlChar *got = xmlGetNoNsProp(node, BAD_CAST attr);
    bool same = got != NULL && xmlStrEqual(got, BAD_CAST value);

    xmlFree(got);
    return same;
}

static const xmlNode *define(const xmlNode *grammar, const char *name)
{
    const xmlNode *node;

    for (node = first_element(grammar); node != NULL; node = node->next)
        if (is_rng(node, "define") && has_name(node, "name", name))
            return node;
    return NULL;
}

/*
 * Whether `element` is <element><anyName><except>...</except></anyName>
 * <ref name="CONTENT"/></element>, its exceptions holding <name>EXCEPT</name>
 * (any, when EXCEPT is NULL).
 */
static bool wildcard(const xmlNode *element, const char *except, const char *content)
{
    const xmlNode *any = first_element(element), *ex, *name, *ref;
    bool found = except == NULL;

    if (!is_rng(any, "anyName") || !is_rng(ex = first_element(any), "except"))
        return false;
    for (name = first_element(ex); name != NULL && !found; name = name->next) {
        xmlChar *text = is_rng(name, "name") ? xmlNodeGetContent(name) : NULL;

        found = text != NULL && xmlStrEqual(text, BAD_CAST except);
        xmlFree(text);
    }
    if (!found)
        return false;
    for (ref = any->next; ref != NULL && ref->type != XML_ELEMENT_NODE; ref = ref->next)
        ;
    return is_rng(ref, "ref") && has_name(ref, "name", content);
}

/* Whether the <except> `except` holds <name>NAME</name>. */
static bool excepts(const xmlNode *except, const xmlChar *name)
{
    const xmlNode *child;
    bool found = false;

    for (child = first_element(except); child != NULL && name != NULL && !found;
         child = child->next) {
        xmlChar *text = is_rng(child, "name") ? xmlNodeGetContent(child) : NULL;

        found = text != NULL && xmlStrEqual(text, name);
        xmlFree(text);
    }
    return found;
}

/* Whether two <except> name classes hold the same names, in any order. */
static bool same_names(const xmlNode *a, const xmlNode *b)
{
    const xmlNode *pair[2] = {a, b}, *child;
    bool same = true;
    int k;

    for (k = 0; k < 2 && same; k++)
        for (child = first_element(pair[k]); child != NULL && same; child = child->next) {
            xmlChar *text;

            if (child->type != XML_ELEMENT_NODE)
                continue;
            text = is_rng(child, "name") ? xmlNodeGetContent(child) : NULL;
            same = text != NULL && excepts(pair[1 - k], text);
            xmlFree(text);
        }
    return same;
}

/* The definition a <ref> names, unless it is any-content or any-attributes (judged apart). */
static const xmlNode *followed(const xmlNode *grammar, const xmlNode *ref)
{
    xmlChar *name = xmlGetNoNsProp(ref, BAD_CAST "name");
    const xmlNode *target = NULL;

    if (name != NULL && !xmlStrEqual(name, BAD_CAST "any-attributes") &&
        !xmlStrEqual(name, BAD_CAST "any-content"))
        target = define(grammar, (const char *)name);
    xmlFree(name);
    return target;
}

/*
 * Walks the patterns a PCI controller's content is made of, following
 * references (into a kind's definitions and the one the wildcard may sit
 * in, but not into any-content or any-attributes), and checks each element
 * pattern: every wildcard for the other children holds any-content and
 * excepts the same names, and any other element is one of those names,
 * which the skeleton's projection keeps (xslt/gen/pci-judged-c.xsl).
 */
static void check_controller_content(const char *file, const xmlNode *grammar,
                                     const xmlNode *pattern, const xmlNode *wildcard_except,
                                     int depth)
{
    const xmlNode *child;

    if (depth > 32 || pattern == NULL)
        return;
    for (child = first_element(pattern); child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        if (is_rng(child, "ref")) {
            check_controller_content(file, grammar, followed(grammar, child), wildcard_except,
                                     depth + 1);
        } else if (is_rng(child, "element") && is_rng(first_element(child), "anyName")) {
            if (!wildcard(child, NULL, "any-content"))
                report(file, child,
                       "the wildcard for a PCI controller's other children holds more than "
                       "any-content (src/lib/skeleton.c, Projection)",
                       NULL);
            else if (!same_names(first_element(first_element(child)), wildcard_except))
                report(file, child,
                       "the wildcards for a PCI controller's other children except different "
                       "names (src/lib/skeleton.c, Projection)",
                       NULL);
        } else if (is_rng(child, "element")) {
            xmlChar *element = xmlGetNoNsProp(child, BAD_CAST "name");

            if (!excepts(wildcard_except, element))
                report(file, child,
                       "a PCI controller's child is judged by name but not excepted from the "
                       "wildcard for the others (src/lib/skeleton.c, Projection)",
                       element ? (const char *)element : "(unnamed)");
            xmlFree(element);
        } else {
            check_controller_content(file, grammar, child, wildcard_except, depth + 1);
        }
    }
}

/*
 * The <except> of the first wildcard for a PCI controller's other
 * children, in the controller's patterns or the definitions they refer
 * to (domain.rng keeps it in one, pci-other-children, that each kind's
 * children refer to), or NULL.
 */
static const xmlNode *find_wildcard_except(const xmlNode *grammar, const xmlNode *pattern,
                                           int depth)
{
    const xmlNode *child, *found;

    for (child = first_element(pattern); child != NULL && depth < 32; child = child->next) {
        if (is_rng(child, "element") && is_rng(first_element(child), "anyName"))
            return first_element(first_element(child));
        if (is_rng(child, "element"))
            continue;
        found = is_rng(child, "ref")
                    ? find_wildcard_except(grammar, followed(grammar, child), depth + 1)
                    : find_wildcard_except(grammar, child, depth + 1);
        if (found != NULL)
            return found;
    }
    return NULL;
}

/* The first grammar's exceptions: every grammar given must except the same names. */
static xmlDocPtr first_grammar;
static const xmlNode *first_except;
static const char *first_file;

static void check_grammar(const char *file, const xmlNode *grammar)
{
    const xmlNode *controller = define(grammar, "pci-controller"), *children, *except;
    const xmlNode *content = define(grammar, "any-content");

    controller = first_element(controller);
    if (!is_rng(controller, "element") || !has_name(controller, "name", "controller")) {
        report(file, grammar, "no define pci-controller holding <element name='controller'>", NULL);
        return;
    }
    except = find_wildcard_except(grammar, controller, 0);
    if (!is_rng(except, "except")) {
        report(file, controller,
               "no wildcard, with exceptions, for a PCI controller's other children", NULL);
        return;
    }
    if (first_except == NULL) {
        first_grammar = grammar->doc;
        first_except = except;
        first_file = file;
    } else if (!same_names(except, first_except)) {
        report(file, except,
               "the wildcard for a PCI controller's other children excepts other names than "
               "in the first grammar (the projection reads one list)",
               first_file);
    }
    check_controller_content(file, grammar, controller, except, 0);
    /* any-content: any attributes, then any-children, which holds no controller. */
    children = define(grammar, "any-children");
    if (content == NULL || children == NULL) {
        report(file, grammar, "no define any-content and any-children", NULL);
        return;
    }
    {
        const xmlNode *first = first_element(content), *second = first ? first->next : NULL;
        const xmlNode *zero = first_element(children), *choice = first_element(zero), *alt;
        bool refuses_controllers = false;

        while (second != NULL && second->type != XML_ELEMENT_NODE)
            second = second->next;
        if (!is_rng(first, "ref") || !has_name(first, "name", "any-attributes") ||
            !is_rng(second, "ref") || !has_name(second, "name", "any-children"))
            report(file, content, "any-content is not any-attributes then any-children", NULL);
        for (alt = first_element(choice); alt != NULL; alt = alt->next)
            if (is_rng(alt, "element") && wildcard(alt, "controller", "any-content"))
                refuses_controllers = true;
        if (!is_rng(zero, "zeroOrMore") || !is_rng(choice, "choice") || !refuses_controllers)
            report(file, children, "any-children is not any element but a controller", NULL);
    }
}

int main(int argc, char **argv)
{
    bool grammars = argc > 1 && strcmp(argv[1], "--grammar") == 0;
    int i;

    for (i = grammars ? 2 : 1; i < argc; i++) {
        xmlDocPtr doc = xmlReadFile(argv[i], NULL, XML_PARSE_NONET);
        xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;

        if (root == NULL) {
            fprintf(stderr, "%s: cannot read it\n", argv[i]);
            xmlFreeDoc(doc);
            xmlFreeDoc(first_grammar);
            return 2;
        }
        if (grammars)
            check_grammar(argv[i], root);
        else
            check_element(argv[i], root, AT_ROOT, false, false);
        if (doc != first_grammar)
            xmlFreeDoc(doc);
    }
    xmlFreeDoc(first_grammar);
    return problems > 0 ? 1 : 0;
}
