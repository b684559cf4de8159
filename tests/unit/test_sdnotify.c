/*
 * Unit tests of the sd_notify datagram parser (sdnotify.c): which
 * assignments are acted on, in order, and that malformed or hostile
 * datagrams are ignored rather than misread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sdnotify.h"

/* What the parser reported, as text: "R W T S:text E:ms" separated by ' '. */
struct seen {
	char buf[512];
	size_t len;
};

static void
record(void *ctx, const struct sdnotify_item *it)
{
	struct seen *s = ctx;
	size_t room = sizeof(s->buf) - s->len;
	int n = 0;

	switch (it->kind) {
	case SDNOTIFY_READY:
		n = snprintf(s->buf + s->len, room, "%sR", s->len ? " " : "");
		break;
	case SDNOTIFY_WATCHDOG:
		n = snprintf(s->buf + s->len, room, "%sW", s->len ? " " : "");
		break;
	case SDNOTIFY_WATCHDOG_TRIGGER:
		n = snprintf(s->buf + s->len, room, "%sT", s->len ? " " : "");
		break;
	case SDNOTIFY_STATUS:
		n = snprintf(s->buf + s->len, room, "%sS:%.*s",
		    s->len ? " " : "", (int)it->len, it->text);
		break;
	case SDNOTIFY_EXTEND:
		n = snprintf(s->buf + s->len, room, "%sE:%lld",
		    s->len ? " " : "", (long long)it->ms);
		break;
	}
	assert_true(n > 0 && (size_t)n < room);
	s->len += (size_t)n;
}

struct parse_case {
	const char *name;
	const char *msg;
	size_t len;		/* 0: strlen(msg) */
	const char *want;
};

static const struct parse_case cases[] = {
	{ "ready", "READY=1", 0, "R" },
	{ "several_lines_in_order", "STATUS=up\nREADY=1\nWATCHDOG=1\n", 0,
	    "S:up R W" },
	{ "watchdog_trigger", "WATCHDOG=trigger", 0, "T" },
	{ "status_empty", "STATUS=", 0, "S:" },
	{ "status_keeps_equals_and_spaces", "STATUS=a = b  ", 0,
	    "S:a = b  " },
	{ "extend_rounds_up", "EXTEND_TIMEOUT_USEC=1", 0, "E:1" },
	{ "extend_exact_ms", "EXTEND_TIMEOUT_USEC=2000000", 0, "E:2000" },
	{ "extend_zero_ignored", "EXTEND_TIMEOUT_USEC=0", 0, "" },
	{ "extend_sign_ignored", "EXTEND_TIMEOUT_USEC=-5\n"
	    "EXTEND_TIMEOUT_USEC=+5", 0, "" },
	{ "extend_trailing_garbage_ignored", "EXTEND_TIMEOUT_USEC=5s", 0,
	    "" },
	{ "extend_empty_ignored", "EXTEND_TIMEOUT_USEC=", 0, "" },
	{ "extend_huge_is_capped", "EXTEND_TIMEOUT_USEC="
	    "99999999999999999999999999999999", 0, "E:1000000000000000" },
	{ "unknown_and_malformed_ignored", "STOPPING=1\nBARRIER=1\nREADY=2\n"
	    "READY=1 \nready=1\n=\n\n\nREADY", 0, "" },
	{ "crlf_is_not_a_newline", "READY=1\r\nWATCHDOG=1", 0, "W" },
	{ "nul_ends_the_datagram", "READY=1\0WATCHDOG=1", 18, "R" },
	{ "no_newline_at_the_end", "WATCHDOG=1\nREADY=1", 0, "W R" },
	{ "length_bounds_the_read", "READY=1WATCHDOG=1", 7, "R" },
	{ "prefix_cut_by_length", "STATUS=abc", 6, "" },
	{ "empty", "", 0, "" },
};

static void
test_parse_case(void **state)
{
	const struct parse_case *c = *state;
	struct seen s = { "", 0 };
	size_t len = c->len ? c->len : strlen(c->msg);

	sdnotify_parse(c->msg, len, record, &s);
	assert_string_equal(s.buf, c->want);
}

/* The bytes past len are never read: a datagram is not NUL-terminated. */
static void
test_reads_nothing_past_len(void **state)
{
	static const char msg[] = { 'R', 'E', 'A', 'D', 'Y', '=', '1' };
	struct seen s = { "", 0 };

	(void)state;
	sdnotify_parse(msg, sizeof(msg), record, &s);
	assert_string_equal(s.buf, "R");
}

int
main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 1];
	size_t i, n = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tests[n].name = cases[i].name;
		tests[n].test_func = test_parse_case;
		tests[n].setup_func = NULL;
		tests[n].teardown_func = NULL;
		tests[n++].initial_state = (void *)&cases[i];
	}
	tests[n].name = "reads_nothing_past_len";
	tests[n].test_func = test_reads_nothing_past_len;
	tests[n].setup_func = NULL;
	tests[n].teardown_func = NULL;
	tests[n++].initial_state = NULL;
	return _cmocka_run_group_tests("sdnotify", tests, n, NULL, NULL);
}
