/*
 * The byte-level machinery behind fidelity: finding start tags in the raw
 * document and rewriting one without touching anything else.
 */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "bounds.h"
#include "buf.h"
#include "sourcemap.h"
#include "splice.h"

static void test_source_map__skips_markup_that_only_looks_like_tags(void **state)
{
    static const char doc[] = "<?xml version='1.0'?><!-- <controller> --><a x='>'>"
                              "<![CDATA[<b>]]><?pi <c>?><d/></a>";
    struct source_map map;

    (void)state;
    assert_int_equal(source_map_build(&map, doc, strlen(doc)), 0);
    assert_int_equal(map.count, 2);
    assert_memory_equal(doc + map.tags[0].start, "<a x='>'>", 9);
    assert_int_equal(map.tags[0].end - map.tags[0].start, 9);
    assert_memory_equal(doc + map.tags[1].start, "<d/>", 4);
    source_map_free(&map);
}

static void test_source_map__records_where_each_element_ends(void **state)
{
    static const char doc[] = "<a><b x='1'/><c>t<d/></c></a>";
    struct source_map map;

    (void)state;
    assert_int_equal(source_map_build(&map, doc, strlen(doc)), 0);
    assert_int_equal(map.count, 4);
    assert_memory_equal(doc + map.tags[0].close, "</a>", 4); /* a */
    assert_int_equal(map.tags[0].close_end, strlen(doc));
    assert_int_equal(map.tags[1].close, map.tags[1].end); /* <b/> closes itself */
    assert_memory_equal(doc + map.tags[2].close, "</c>", 4);
    assert_int_equal(map.tags[3].close_end, map.tags[3].end);
    source_map_free(&map);
}

static void test_source_map__refuses_bytes_that_are_not_a_document(void **state)
{
    struct source_map map;

    (void)state;
    assert_int_equal(source_map_build(&map, "<a x='1", 7), -2);
    assert_int_equal(source_map_build(&map, "<a><b></a>", 10), -2);
    assert_int_equal(source_map_build(&map, "<!-- never closed", 17), -2);
}

/* The map the bounds check builds as it reads is the one a scan of its own builds. */
static void test_source_map__the_bounds_check_maps_as_a_scan_does(void **state)
{
    const char *dir = getenv("DOMCOMPAT_TEST_FIXTURES");
    domcompat_limits limits;
    domcompat_error err;
    struct dirent *entry;
    size_t compared = 0;
    DIR *d;

    (void)state;
    domcompat_limits_default(&limits);
    d = opendir(dir ? dir : "tests/fixtures");
    assert_non_null(d);
    while ((entry = readdir(d)) != NULL) {
        struct source_map alone, checked;
        struct source_map_builder tags;
        char path[4096];
        size_t len;
        char *data;
        int rc;

        snprintf(path, sizeof(path), "%s/%s/input.xml", dir ? dir : "tests/fixtures",
                 entry->d_name);
        if ((data = read_whole_file(path, &len)) == NULL)
            continue;
        source_map_begin(&tags, &checked);
        rc = bounds_check(&limits, data, len, &tags, &err);
        /* Bytes the scan refuses are not a document, and the parser refuses them first. */
        if (source_map_finish(&tags) == 0 && rc == DOMCOMPAT_OK &&
            source_map_build(&alone, data, len) == 0) {
            assert_int_equal(checked.count, alone.count);
            assert_memory_equal(checked.tags, alone.tags, alone.count * sizeof(*alone.tags));
            source_map_free(&alone);
            compared++;
        }
        source_map_free(&checked);
        free(data);
    }
    closedir(d);
    assert_true(compared > 200);
}

static void test_cursor__counts_lines_and_characters(void **state)
{
    static const char doc[] = "ab\n\xc3\xa9\xc3\xa9<x/>\n<y/>";
    struct source_cursor cursor;
    unsigned long line, column;

    (void)state;
    source_cursor_init(&cursor);
    source_cursor_position(&cursor, doc, 7, &line, &column);
    assert_int_equal(line, 2);
    assert_int_equal(column, 3); /* two accented letters are two characters */
    source_cursor_position(&cursor, doc, 12, &line, &column);
    assert_int_equal(line, 3);
    assert_int_equal(column, 1);
    source_cursor_position(&cursor, doc, 0, &line, &column); /* backwards restarts */
    assert_int_equal(line, 1);
    assert_int_equal(column, 1);
}

/* Renders the first start tag of `doc` with `want` and returns it (to free). */
static char *render(const char *doc, const struct splice_attr *want, size_t count,
                    const bool *changed)
{
    struct source_map map;
    struct source_start_tag parsed;
    struct buf out;
    char *text;

    assert_int_equal(source_map_build(&map, doc, strlen(doc)), 0);
    assert_int_equal(source_start_tag_parse(&parsed, doc, map.tags[0]), 0);
    buf_init(&out);
    splice_render_tag(&out, doc, &map.tags[0], &parsed, want, count, changed, TAG_AS_WRITTEN);
    text = buf_steal(&out, NULL);
    source_start_tag_free(&parsed);
    source_map_free(&map);
    assert_non_null(text);
    return text;
}

static void test_splice__puts_subtype_before_model_with_its_spacing(void **state)
{
    static const char doc[] = "<controller type='pci'\n   index=\"1\"\n   model='x'  />";
    const struct splice_attr want[] = {
        {"type", "pci"},
        {"index", "1"},
        {"subType", "x"},
        {"model", "impl"},
    };
    const bool changed[] = {false, false, true};
    char *tag = render(doc, want, 4, changed);

    (void)state;
    assert_string_equal(
        tag, "<controller type='pci'\n   index=\"1\"\n   subType='x'\n   model='impl'  />");
    free(tag);
}

static void test_splice__new_attribute_takes_the_dropped_ones_place(void **state)
{
    static const char doc[] =
        "<controller type=\"pci\" subType = \"pcie-root\" index=\"0\"></controller>";
    const struct splice_attr want[] = {
        {"type", "pci"},
        {"index", "0"},
        {"model", "pcie-root"},
    };
    const bool changed[] = {false, false, false};
    char *tag = render(doc, want, 3, changed);

    (void)state;
    /* Spelled like the attribute it replaces, spaces around '=' included. */
    assert_string_equal(tag, "<controller type=\"pci\" model = \"pcie-root\" index=\"0\">");
    free(tag);
}

static void test_splice__keeps_raw_values_and_namespace_declarations(void **state)
{
    static const char doc[] = "<controller xmlns:x='urn:x' type='p&#99;i' model='pci-bridge'/>";
    const struct splice_attr want[] = {
        {"type", "pci"},
        {"subType", "pci-bridge"},
        {"model", "pci-bridge"},
    };
    const bool changed[] = {false, false, false};
    char *tag = render(doc, want, 3, changed);

    (void)state;
    assert_string_equal(
        tag,
        "<controller xmlns:x='urn:x' type='p&#99;i' subType='pci-bridge' model='pci-bridge'/>");
    free(tag);
}

static void test_splice__escapes_what_the_quote_and_xml_require(void **state)
{
    struct buf out;
    char *text;

    (void)state;
    buf_init(&out);
    splice_escape_value(&out, "a'b\"c&d<e\nf", '\'');
    splice_escape_value(&out, "|", '|');
    splice_escape_value(&out, "a'b\"c", '"');
    text = buf_steal(&out, NULL);
    assert_string_equal(text, "a&apos;b\"c&amp;d&lt;e&#10;f|a'b&quot;c");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_map__skips_markup_that_only_looks_like_tags),
        cmocka_unit_test(test_source_map__records_where_each_element_ends),
        cmocka_unit_test(test_source_map__refuses_bytes_that_are_not_a_document),
        cmocka_unit_test(test_source_map__the_bounds_check_maps_as_a_scan_does),
        cmocka_unit_test(test_cursor__counts_lines_and_characters),
        cmocka_unit_test(test_splice__puts_subtype_before_model_with_its_spacing),
        cmocka_unit_test(test_splice__new_attribute_takes_the_dropped_ones_place),
        cmocka_unit_test(test_splice__keeps_raw_values_and_namespace_declarations),
        cmocka_unit_test(test_splice__escapes_what_the_quote_and_xml_require),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
