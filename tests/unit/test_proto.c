/* Unit tests of proto.c: framing, parsing, replies, JSON, socket path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_encode_request(void **state)
{
	char *names[] = { "web", "db:1", "all" };
	char *bad[] = { "we b" };
	char *empty[] = { "" };
	char *nonascii[] = { "w\xc3\xa9" };
	struct pbuf b = { 0 };
	const char *why;

	(void)state;
	assert_int_equal(proto_encode_request(&b, CMD_STATUS, NULL, NULL, 0,
	    &why), 0);
	assert_string_equal(b.data, "supervise/1 status\n");
	b.len = 0;
	assert_int_equal(proto_encode_request(&b, CMD_RESTART, NULL, names, 3,
	    &why), 0);
	assert_string_equal(b.data, "supervise/1 restart web db:1 all\n");
	b.len = 0;
	assert_int_equal(proto_encode_request(&b, CMD_SIGNAL, "USR1", names, 1,
	    &why), 0);
	assert_string_equal(b.data, "supervise/1 signal USR1 web\n");
	b.len = 0;
	assert_int_equal(proto_encode_request(&b, CMD_STOP, NULL, bad, 1,
	    &why), -1);
	assert_string_equal(why, "invalid worker name");
	assert_int_equal(b.len, 0);
	assert_int_equal(proto_encode_request(&b, CMD_STOP, NULL, empty, 1,
	    &why), -1);
	assert_int_equal(proto_encode_request(&b, CMD_STOP, NULL, nonascii, 1,
	    &why), -1);
	assert_int_equal(proto_encode_request(&b, CMD_SIGNAL, "US R1", names,
	    1, &why), -1);
	assert_string_equal(why, "invalid signal");
	pbuf_free(&b);
}

/* A request of exactly PROTO_MAX_REQUEST bytes fits; one more does not. */
static void
test_encode_request_limit(void **state)
{
	char name[PROTO_MAX_REQUEST];
	char *names[] = { name };
	struct pbuf b = { 0 };
	const char *why;
	size_t fixed = strlen("supervise/1 stop \n");

	(void)state;
	memset(name, 'a', sizeof(name));
	name[PROTO_MAX_REQUEST - fixed] = '\0';
	assert_int_equal(proto_encode_request(&b, CMD_STOP, NULL, names, 1,
	    &why), 0);
	assert_int_equal(b.len, PROTO_MAX_REQUEST);
	b.len = 0;
	name[PROTO_MAX_REQUEST - fixed] = 'a';
	name[PROTO_MAX_REQUEST - fixed + 1] = '\0';
	assert_int_equal(proto_encode_request(&b, CMD_STOP, NULL, names, 1,
	    &why), -1);
	assert_string_equal(why, "request too long");
	pbuf_free(&b);
}

static const struct {
	const char *line;
	enum proto_err err;		/* PERR_NONE: parses */
	enum proto_cmd cmd;
	const char *sig;
	const char *names;		/* joined with spaces */
} requests[] = {
	{ "supervise/1 status", PERR_NONE, CMD_STATUS, NULL, "" },
	{ "supervise/1 status web db:1", PERR_NONE, CMD_STATUS, NULL,
	    "web db:1" },
	{ "  supervise/1   start  web  ", PERR_NONE, CMD_START, NULL, "web" },
	{ "supervise/1 check", PERR_NONE, CMD_CHECK, NULL, "" },
	{ "supervise/1 stop all", PERR_NONE, CMD_STOP, NULL, "all" },
	{ "supervise/1 restart a b c", PERR_NONE, CMD_RESTART, NULL,
	    "a b c" },
	{ "supervise/1 signal USR1 web web:2", PERR_NONE, CMD_SIGNAL, "USR1",
	    "web web:2" },
	{ "supervise/1 reload\r", PERR_NONE, CMD_RELOAD, NULL, "" },
	{ "supervise/1 shutdown", PERR_NONE, CMD_SHUTDOWN, NULL, "" },
	{ "supervise/1 metrics", PERR_NONE, CMD_METRICS, NULL, "" },
	{ "supervise/1 log 20 web db:1", PERR_NONE, CMD_LOG, "20",
	    "web db:1" },
	{ "supervise/1 follow 0 all", PERR_NONE, CMD_FOLLOW, "0", "all" },
	{ "supervise/1 why web", PERR_NONE, CMD_WHY, NULL, "web" },
	{ "supervise/1 metrics web", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 log 20", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 follow", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 why", PERR_USAGE, 0, NULL, NULL },
	{ "", PERR_MALFORMED, 0, NULL, NULL },
	{ "    ", PERR_MALFORMED, 0, NULL, NULL },
	{ "hello", PERR_MALFORMED, 0, NULL, NULL },
	{ "status web", PERR_MALFORMED, 0, NULL, NULL },
	{ "supervise/2 status", PERR_VERSION, 0, NULL, NULL },
	{ "supervise/1", PERR_MALFORMED, 0, NULL, NULL },
	{ "supervise/1 frobnicate", PERR_MALFORMED, 0, NULL, NULL },
	{ "supervise/1 STATUS", PERR_MALFORMED, 0, NULL, NULL },
	{ "supervise/1 start", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 stop", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 restart", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 signal", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 signal TERM", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 reload now", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 shutdown all", PERR_USAGE, 0, NULL, NULL },
	{ "supervise/1 status \x01", PERR_MALFORMED, 0, NULL, NULL },
	{ "supervise/1 status\tweb", PERR_MALFORMED, 0, NULL, NULL },
	{ "supervise/1 status w\xc3\xa9", PERR_MALFORMED, 0, NULL, NULL },
	{ "supervise/1 status \x7f", PERR_MALFORMED, 0, NULL, NULL },
};

static void
test_parse_request(void **state)
{
	struct proto_request req;
	enum proto_err err;
	const char *why;
	char joined[256];
	size_t i, j;
	int rv;

	(void)state;
	for (i = 0; i < NELEM(requests); i++) {
		err = PERR_NONE;
		why = NULL;
		rv = proto_parse_request(requests[i].line,
		    strlen(requests[i].line), &req, &err, &why);
		if (requests[i].err != PERR_NONE) {
			if (rv != -1 || err != requests[i].err)
				fail_msg("\"%s\": expected %s, got %s",
				    requests[i].line,
				    proto_err_name(requests[i].err),
				    rv == 0 ? "success" : proto_err_name(err));
			assert_non_null(why);
			assert_null(req.names);
			assert_null(req.store);
			continue;
		}
		if (rv != 0)
			fail_msg("\"%s\": %s", requests[i].line, why);
		assert_int_equal(req.cmd, requests[i].cmd);
		if (requests[i].sig != NULL)
			assert_string_equal(req.sig, requests[i].sig);
		else
			assert_null(req.sig);
		joined[0] = '\0';
		for (j = 0; j < req.nnames; j++) {
			if (j > 0)
				strcat(joined, " ");
			strcat(joined, req.names[j]);
		}
		assert_string_equal(joined, requests[i].names);
		assert_null(req.names[req.nnames]);
		proto_request_free(&req);
	}
}

/* A NUL inside the line is not text; a line at the limit is too long. */
static void
test_parse_request_bytes(void **state)
{
	static const char nul[] = "supervise/1 status\0web";
	char *big;
	struct proto_request req;
	enum proto_err err;
	const char *why;

	(void)state;
	assert_int_equal(proto_parse_request(nul, sizeof(nul) - 1, &req, &err,
	    &why), -1);
	assert_int_equal(err, PERR_MALFORMED);
	big = malloc(1024 * 1024);
	assert_non_null(big);
	memset(big, 'x', 1024 * 1024);
	memcpy(big, "supervise/1 status ", 19);
	assert_int_equal(proto_parse_request(big, PROTO_MAX_REQUEST, &req,
	    &err, &why), -1);
	assert_int_equal(err, PERR_TOOLONG);
	assert_int_equal(proto_parse_request(big, 1024 * 1024, &req, &err,
	    &why), -1);
	assert_int_equal(err, PERR_TOOLONG);
	/* One byte less is a request: its newline makes PROTO_MAX_REQUEST. */
	assert_int_equal(proto_parse_request(big, PROTO_MAX_REQUEST - 1, &req,
	    &err, &why), 0);
	assert_int_equal(req.nnames, 1);
	proto_request_free(&req);
	free(big);
}

static void
test_request_round_trip(void **state)
{
	char *names[] = { "a", "b:0", "c.d-e_f" };
	struct proto_request req;
	struct pbuf b = { 0 };
	enum proto_err err;
	const char *why;

	(void)state;
	assert_int_equal(proto_encode_request(&b, CMD_SIGNAL, "9", names, 3,
	    &why), 0);
	assert_int_equal(proto_parse_request(b.data, b.len - 1, &req, &err,
	    &why), 0);
	assert_int_equal(req.cmd, CMD_SIGNAL);
	assert_string_equal(req.sig, "9");
	assert_int_equal(req.nnames, 3);
	assert_string_equal(req.names[2], "c.d-e_f");
	proto_request_free(&req);
	pbuf_free(&b);
}

/* Take the first line out of b and decode it. */
static void
reply_of(struct pbuf *b, char *line, size_t len, struct proto_reply *rep)
{
	char *nl = memchr(b->data, '\n', b->len);
	size_t n;

	assert_non_null(nl);
	n = (size_t)(nl - b->data);
	assert_true(n < len);
	memcpy(line, b->data, n);
	line[n] = '\0';
	assert_null(memchr(line, '\n', n));
	memmove(b->data, nl + 1, b->len - n - 1);
	b->len -= n + 1;
	assert_int_equal(proto_parse_reply(line, rep), 0);
}

static void
test_reply_round_trip(void **state)
{
	static const char text[] = "tab\there\nnew \\ line \r\x01\x7f caf\xc3\xa9";
	struct proto_row row = { "web:0", "RUNNING", 123, 4567, 3, LAST_CODE,
	    1, NULL, text, true, 1250, 4096 * 1024, 750 };
	struct proto_reply rep;
	struct pbuf b = { 0 };
	char line[1024];

	(void)state;
	proto_put_header(&b, "process", 42);
	proto_put_row(&b, &row);
	row.last = LAST_SIGNAL;
	row.signal = "SEGV";
	row.text = NULL;
	row.pid = 0;
	row.usage = false;
	proto_put_row(&b, &row);
	row.last = LAST_NONE;
	proto_put_row(&b, &row);
	proto_put_msg(&b, "%s:%d: bad\tkey", "f.ini", 3);
	proto_put_ok(&b);
	proto_put_error(&b, PERR_NOTREADY, "web: %s", "BACKOFF");
	proto_put_wait(&b, PROTO_WAIT_MS);
	assert_false(b.failed);

	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.kind, REPLY_HEADER);
	assert_string_equal(rep.mode, "process");
	assert_int_equal(rep.pid, 42);
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.kind, REPLY_ROW);
	assert_string_equal(rep.row.name, "web:0");
	assert_string_equal(rep.row.state, "RUNNING");
	assert_int_equal(rep.row.pid, 123);
	assert_int_equal(rep.row.uptime_ms, 4567);
	assert_int_equal(rep.row.restarts, 3);
	assert_int_equal(rep.row.last, LAST_CODE);
	assert_int_equal(rep.row.code, 1);
	assert_string_equal(rep.row.text, text);
	assert_true(rep.row.usage);
	assert_int_equal(rep.row.cpu_ms, 1250);
	assert_int_equal(rep.row.rss_bytes, 4096 * 1024);
	assert_int_equal(rep.row.usage_age_ms, 750);
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.row.last, LAST_SIGNAL);
	assert_string_equal(rep.row.signal, "SEGV");
	assert_null(rep.row.text);
	assert_int_equal(rep.row.pid, 0);
	assert_false(rep.row.usage);
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.row.last, LAST_NONE);
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.kind, REPLY_MSG);
	assert_string_equal(rep.text, "f.ini:3: bad\tkey");
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.kind, REPLY_OK);
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.kind, REPLY_ERROR);
	assert_int_equal(rep.err, PERR_NOTREADY);
	assert_string_equal(rep.text, "web: BACKOFF");
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.kind, REPLY_WAIT);
	assert_int_equal(rep.wait_ms, PROTO_WAIT_MS);
	assert_int_equal(b.len, 0);
	pbuf_free(&b);
}

/* A row's bytes on the wire, escapes and all, as the protocol has them. */
static void
test_row_bytes(void **state)
{
	struct proto_row row = { "a\\b\tc", "RUNNING", 7, 61000, 2,
	    LAST_SIGNAL, 0, "SE\x01GV", "x\ny\r\x7f\xc3\xa9", true, 1, 2,
	    -5 };
	struct pbuf b = { 0 };

	(void)state;
	proto_put_row(&b, &row);
	row.last = LAST_CODE;
	row.code = 300;
	row.usage = false;
	row.text = NULL;
	row.pid = -1;
	proto_put_row(&b, &row);
	row.last = LAST_NONE;
	row.name = "";
	proto_put_row(&b, &row);
	assert_false(b.failed);
	assert_string_equal(b.data,
	    "w\ta\\\\b\\tc\tRUNNING\t7\t61000\t2\tsignal:SE\\x01GV\t1\t2\t0\t"
	    "x\\ny\\r\\x7f\xc3\xa9\n"
	    "w\ta\\\\b\\tc\tRUNNING\t0\t61000\t2\tcode:44\t-\t-\t-\t\n"
	    "w\t\tRUNNING\t0\t61000\t2\t-\t-\t-\t-\t\n");
	assert_int_equal(b.len, strlen(b.data));
	pbuf_free(&b);
}

/* Every byte but NUL survives a field; a reply is always one line. */
static void
test_reply_every_byte(void **state)
{
	struct proto_row row = { "w", "RUNNING", 0, 0, 0, LAST_CODE, 255,
	    NULL, NULL, false, 0, 0, 0 };
	struct proto_reply rep;
	struct pbuf b = { 0 };
	char text[256], line[2048];
	int i;

	(void)state;
	for (i = 1; i < 256; i++)
		text[i - 1] = (char)i;
	text[255] = '\0';
	row.text = text;
	proto_put_row(&b, &row);
	proto_put_msg(&b, "%s", text);
	assert_false(b.failed);
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.kind, REPLY_ROW);
	assert_string_equal(rep.row.text, text);
	assert_int_equal(rep.row.code, 255);
	assert_int_equal(rep.row.pid, 0);
	reply_of(&b, line, sizeof(line), &rep);
	assert_int_equal(rep.kind, REPLY_MSG);
	assert_string_equal(rep.text, text);
	pbuf_free(&b);
}

/* Every error code survives the wire and maps to its exit status. */
static void
test_error_codes(void **state)
{
	static const struct {
		enum proto_err err;
		const char *name;
		int exit_status;
	} codes[] = {
		{ PERR_UNKNOWN, "unknown", 1 },
		{ PERR_FAILED, "failed", 1 },
		{ PERR_NOTREADY, "notready", 3 },
		{ PERR_USAGE, "usage", 64 },
		{ PERR_REFUSED, "refused", 77 },
		{ PERR_BUSY, "busy", 69 },
		{ PERR_MALFORMED, "malformed", 1 },
		{ PERR_TOOLONG, "toolong", 1 },
		{ PERR_VERSION, "version", 1 },
		{ PERR_TIMEOUT, "timeout", 1 },
		{ PERR_INTERNAL, "internal", 1 },
	};
	struct proto_reply rep;
	struct pbuf b = { 0 };
	char line[256];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(codes); i++) {
		assert_string_equal(proto_err_name(codes[i].err),
		    codes[i].name);
		assert_int_equal(proto_err_exit(codes[i].err),
		    codes[i].exit_status);
		proto_put_error(&b, codes[i].err, "why %zu", i);
		reply_of(&b, line, sizeof(line), &rep);
		assert_int_equal(rep.kind, REPLY_ERROR);
		assert_int_equal(rep.err, codes[i].err);
	}
	/* A code from a newer supervise is still an error. */
	strcpy(line, "err\tsomething-new\ttext");
	assert_int_equal(proto_parse_reply(line, &rep), 0);
	assert_int_equal(rep.err, PERR_INTERNAL);
	assert_int_equal(proto_err_exit(PERR_NONE), 0);
	pbuf_free(&b);
}

static void
test_parse_reply_rejects(void **state)
{
	static const char *const bad[] = {
		"", "bogus", "ok\textra", "msg", "msg\ta\tb", "err\tfailed",
		"sv\tprocess", "sv\tprocess\t-1", "sv\tprocess\tx",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t-\t-\t-",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t-\t-\t-\t\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t",
		"w\tweb\tRUNNING\t-1\t2\t3\t-\t-\t-\t-\t",
		"w\tweb\tRUNNING\t1\t2x\t3\t-\t-\t-\t-\t",
		"w\tweb\tRUNNING\t1\t2\t3\tcode:\t-\t-\t-\t",
		"w\tweb\tRUNNING\t1\t2\t3\tcode:256\t-\t-\t-\t",
		"w\tweb\tRUNNING\t1\t2\t3\tsignal:\t-\t-\t-\t",
		"w\tweb\tRUNNING\t1\t2\t3\texit 1\t-\t-\t-\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t5\t-\t-\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t-\t5\t-\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t-\t-\t5\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t5\t5\t-\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t-1\t5\t0\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t5\t5k\t0\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t5\t5\t-1\t",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t\t\t\t",
		"msg\tbad \\q escape", "msg\ttrailing \\", "msg\t\\x4",
		"msg\t\\x00", "msg\t\\xzz",
		"a\tb\tc\td\te\tf\tg\th\ti\tj\tk",
		"w\tweb\tRUNNING\t1\t2\t3\t-\t1\t2\t3\tt\textra",
	};
	struct proto_reply rep;
	char line[256];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		snprintf(line, sizeof(line), "%s", bad[i]);
		if (proto_parse_reply(line, &rep) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

/*
 * Fields are split alike wherever their tabs and escapes fall: a name of
 * every length from 1 to 40 moves each later field across the 16-byte
 * blocks the splitter reads, with an escape early, late or nowhere.
 */
static void
test_parse_reply_every_offset(void **state)
{
	/* A status text as on the wire, and as read. */
	static const char *const wire[] = { "", "ok", "a\\\\b",
	    "plain text that is long enough for a block or two \\t!" };
	static const char *const want[] = { NULL, "ok", "a\\b",
	    "plain text that is long enough for a block or two \t!" };
	struct proto_reply rep;
	char line[512], name[64];
	size_t len, t;

	(void)state;
	for (len = 1; len <= 40; len++) {
		/* Odd lengths from 3 begin with an escaped backslash. */
		memset(name, 'n', len);
		name[len] = '\0';
		if (len % 2 && len > 2)
			name[0] = name[1] = '\\';
		for (t = 0; t < NELEM(wire); t++) {
			snprintf(line, sizeof(line),
			    "w\t%s\tRUNNING\t2147483647\t9223372036854775807"
			    "\t4294967295\tsignal:SEGV\t000000000000000000012"
			    "\t123456789012345678\t0\t%s", name, wire[t]);
			assert_int_equal(proto_parse_reply(line, &rep), 0);
			assert_int_equal(rep.kind, REPLY_ROW);
			if (len % 2 && len > 2) {
				assert_int_equal(rep.row.name[0], '\\');
				assert_int_equal(strlen(rep.row.name), len - 1);
			} else
				assert_int_equal(strlen(rep.row.name), len);
			assert_string_equal(rep.row.state, "RUNNING");
			assert_int_equal(rep.row.pid, 2147483647);
			assert_true(rep.row.uptime_ms == INT64_MAX);
			assert_int_equal(rep.row.restarts, 4294967295UL);
			assert_int_equal(rep.row.last, LAST_SIGNAL);
			assert_string_equal(rep.row.signal, "SEGV");
			assert_true(rep.row.usage);
			assert_int_equal(rep.row.cpu_ms, 12);
			assert_int_equal(rep.row.rss_bytes, 123456789012345678ULL);
			assert_int_equal(rep.row.usage_age_ms, 0);
			if (want[t] == NULL)
				assert_null(rep.row.text);
			else
				assert_string_equal(rep.row.text, want[t]);
			/* One field more, wherever it falls, is refused. */
			snprintf(line, sizeof(line),
			    "w\t%s\tRUNNING\t1\t2\t3\t-\t-\t-\t-\t%s\tx",
			    name, wire[t]);
			assert_int_equal(proto_parse_reply(line, &rep), -1);
		}
	}
	/* Past each number's bound by one, however many digits. */
	strcpy(line, "w\tw\tRUNNING\t2147483648\t1\t1\t-\t-\t-\t-\t");
	assert_int_equal(proto_parse_reply(line, &rep), -1);
	strcpy(line, "w\tw\tRUNNING\t1\t9223372036854775808\t1\t-\t-\t-\t-\t");
	assert_int_equal(proto_parse_reply(line, &rep), -1);
	strcpy(line, "w\tw\tRUNNING\t1\t1\t4294967296\t-\t-\t-\t-\t");
	assert_int_equal(proto_parse_reply(line, &rep), -1);
	strcpy(line, "w\tw\tRUNNING\t1\t1\t1\t-\t1\t1\t"
	    "99999999999999999999\t");
	assert_int_equal(proto_parse_reply(line, &rep), -1);
	strcpy(line, "w\tw\tRUNNING\t1\t1\t1\t-\t1\t1\t"
	    "0000000000000000000000000000000000000009\t");
	assert_int_equal(proto_parse_reply(line, &rep), 0);
	assert_int_equal(rep.row.usage_age_ms, 9);
}

static void
json_of(const struct proto_row *rows, size_t n, const char *want)
{
	struct pbuf b = { 0 };

	proto_status_json(&b, "process", 77, rows, n);
	assert_false(b.failed);
	assert_string_equal(b.data, want);
	pbuf_free(&b);
}

/* The records of metrics, log and why, and back. */
static void
test_record_replies(void **state)
{
	struct proto_exit x = { .name = "web:1", .time_ms = 1700000000123,
	    .pid = 42, .uptime_ms = 1500, .last = LAST_SIGNAL,
	    .signal = "SEGV", .core = true, .decision = "restart in 2s" };
	struct proto_reply rep;
	struct pbuf b = { 0 };
	char *line, *save;

	(void)state;
	proto_put_text(&b, "a\tb", 3);
	proto_put_line(&b, "web", "x\0y\\z\n", 6);
	proto_put_exit(&b, &x);
	x.last = LAST_NONE;
	x.pid = 0;
	x.decision = "FATAL: exec x: No such file";
	x.core = false;
	proto_put_exit(&b, &x);
	proto_put_exit_line(&b, "last words", 10);
	assert_false(b.failed);
	line = strtok_r(b.data, "\n", &save);
	assert_int_equal(proto_parse_reply(line, &rep), 0);
	assert_int_equal(rep.kind, REPLY_TEXT);
	assert_string_equal(rep.text, "a\tb");
	line = strtok_r(NULL, "\n", &save);
	assert_int_equal(proto_parse_reply(line, &rep), 0);
	assert_int_equal(rep.kind, REPLY_LINE);
	assert_string_equal(rep.name, "web");
	/* A NUL travels as "?". */
	assert_string_equal(rep.text, "x?y\\z\n");
	line = strtok_r(NULL, "\n", &save);
	assert_int_equal(proto_parse_reply(line, &rep), 0);
	assert_int_equal(rep.kind, REPLY_EXIT);
	assert_string_equal(rep.exit.name, "web:1");
	assert_true(rep.exit.time_ms == 1700000000123);
	assert_int_equal(rep.exit.pid, 42);
	assert_int_equal(rep.exit.uptime_ms, 1500);
	assert_int_equal(rep.exit.last, LAST_SIGNAL);
	assert_string_equal(rep.exit.signal, "SEGV");
	assert_true(rep.exit.core);
	assert_string_equal(rep.exit.decision, "restart in 2s");
	line = strtok_r(NULL, "\n", &save);
	assert_int_equal(proto_parse_reply(line, &rep), 0);
	assert_int_equal(rep.exit.last, LAST_NONE);
	assert_int_equal(rep.exit.pid, 0);
	assert_false(rep.exit.core);
	line = strtok_r(NULL, "\n", &save);
	assert_int_equal(proto_parse_reply(line, &rep), 0);
	assert_int_equal(rep.kind, REPLY_EXIT_LINE);
	assert_string_equal(rep.text, "last words");
	pbuf_free(&b);
	/* Malformed records are refused. */
	line = strdup("x\tweb\t1\t2\t3\t-\t2\tEXITED");
	assert_int_equal(proto_parse_reply(line, &rep), -1);
	free(line);
	line = strdup("l\tweb");
	assert_int_equal(proto_parse_reply(line, &rep), -1);
	free(line);
}

static void
test_why_json(void **state)
{
	const char *lines[] = { "boom", "\"quoted\"" };
	struct proto_why v[2] = {
		{ { .name = "web", .time_ms = 5, .pid = 9, .uptime_ms = 7,
		    .last = LAST_SIGNAL, .signal = "ABRT", .core = true,
		    .decision = "FATAL: 3 restarts within 60s" }, lines, 2 },
		{ { .name = "web", .time_ms = 4, .last = LAST_NONE,
		    .decision = "EXITED" }, NULL, 0 },
	};
	struct pbuf b = { 0 };

	(void)state;
	proto_why_json(&b, v, 2);
	assert_string_equal(b.data, "{\"exits\":[{\"worker\":\"web\","
	    "\"time_ms\":5,\"pid\":9,\"uptime_ms\":7,\"exit\":{\"signal\":"
	    "\"ABRT\",\"core_dumped\":true},\"decision\":\"FATAL: 3 "
	    "restarts within 60s\",\"lines\":[\"boom\",\"\\\"quoted\\\"\"]},"
	    "{\"worker\":\"web\",\"time_ms\":4,\"pid\":null,\"uptime_ms\":0,"
	    "\"exit\":null,\"decision\":\"EXITED\",\"lines\":[]}]}");
	pbuf_free(&b);
}

static void
test_json(void **state)
{
	struct proto_row rows[] = {
		{ "web:0", "RUNNING", 123, 4500, 2, LAST_CODE, 1, NULL,
		    "serving", true, 1500, 8192, 20 },
		{ "db", "BACKOFF", 0, 0, 7, LAST_SIGNAL, 0, "SEGV", "", false,
		    0, 0, 0 },
		{ "idle", "STOPPED", 0, 0, 0, LAST_NONE, 0, NULL, NULL, false,
		    0, 0, 0 },
	};

	(void)state;
	json_of(NULL, 0, "{\"mode\":\"process\",\"pid\":77,\"workers\":[]}");
	json_of(rows, 3, "{\"mode\":\"process\",\"pid\":77,\"workers\":["
	    "{\"name\":\"web:0\",\"state\":\"RUNNING\",\"pid\":123,"
	    "\"uptime_ms\":4500,\"restarts\":2,\"cpu_ms\":1500,"
	    "\"rss_bytes\":8192,\"usage_age_ms\":20,"
	    "\"last_exit\":{\"code\":1},"
	    "\"status_text\":\"serving\"},"
	    "{\"name\":\"db\",\"state\":\"BACKOFF\",\"pid\":null,"
	    "\"uptime_ms\":0,\"restarts\":7,\"cpu_ms\":null,"
	    "\"rss_bytes\":null,\"usage_age_ms\":null,"
	    "\"last_exit\":{\"signal\":\"SEGV\"},"
	    "\"status_text\":null},"
	    "{\"name\":\"idle\",\"state\":\"STOPPED\",\"pid\":null,"
	    "\"uptime_ms\":0,\"restarts\":0,\"cpu_ms\":null,"
	    "\"rss_bytes\":null,\"usage_age_ms\":null,\"last_exit\":null,"
	    "\"status_text\":null}]}");
}

static void
test_json_escaping(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "back\\slash", "\"back\\\\slash\"" },
		{ "a\nb\tc\rd", "\"a\\nb\\tc\\rd\"" },
		{ "bell\x07" "esc\x1b", "\"bell\\u0007esc\\u001b\"" },
		{ "del\x7f", "\"del\x7f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "bad\xff", "\"bad\\ufffd\"" },
		{ "cut\xc3", "\"cut\\ufffd\"" },
		{ "overlong\xc0\xaf", "\"overlong\\ufffd\\ufffd\"" },
		{ "surrogate\xed\xa0\x80", "\"surrogate\\ufffd\\ufffd\\ufffd\"" },
		{ "big\xf4\x90\x80\x80", "\"big\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "slash/ok", "\"slash/ok\"" },
	};
	struct proto_row row = { "w", "RUNNING", 1, 0, 0, LAST_NONE, 0, NULL,
	    NULL, false, 0, 0, 0 };
	struct pbuf b = { 0 };
	char want[256];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		row.text = cases[i].in;
		b.len = 0;
		proto_status_json(&b, "thread", 1, &row, 1);
		snprintf(want, sizeof(want), "{\"mode\":\"thread\",\"pid\":1,"
		    "\"workers\":[{\"name\":\"w\",\"state\":\"RUNNING\","
		    "\"pid\":1,\"uptime_ms\":0,\"restarts\":0,"
		    "\"cpu_ms\":null,\"rss_bytes\":null,"
		    "\"usage_age_ms\":null,\"last_exit\":null,"
		    "\"status_text\":%s}]}", cases[i].out);
		assert_string_equal(b.data, want);
	}
	pbuf_free(&b);
}

/* A large status makes a large JSON document without truncation. */
static void
test_json_many(void **state)
{
	struct proto_row *rows;
	struct pbuf b = { 0 };
	char names[1000][16];
	size_t i, count = 0;
	const char *p;

	(void)state;
	rows = calloc(1000, sizeof(*rows));
	assert_non_null(rows);
	for (i = 0; i < 1000; i++) {
		snprintf(names[i], sizeof(names[i]), "w:%zu", i);
		rows[i] = (struct proto_row){ names[i], "RUNNING", 1000 +
		    (long)i, 1, 0, LAST_NONE, 0, NULL, NULL, true, i, i, 0 };
	}
	proto_status_json(&b, "process", 1, rows, 1000);
	for (p = b.data; (p = strstr(p, "\"name\":")) != NULL; p++)
		count++;
	assert_int_equal(count, 1000);
	assert_non_null(strstr(b.data, "\"w:999\""));
	assert_int_equal(b.data[b.len - 1], '}');
	pbuf_free(&b);
	free(rows);
}

static void
test_format_uptime(void **state)
{
	static const struct {
		int64_t ms;
		const char *want;
	} cases[] = {
		{ -5, "0s" }, { 0, "0s" }, { 999, "0s" }, { 45000, "45s" },
		{ 59999, "59s" }, { 60000, "1m0s" }, { 125000, "2m5s" },
		{ 3599999, "59m59s" }, { 3600000, "1h0m" },
		{ 3 * 3600000 + 2 * 60000 + 59000, "3h2m" },
		{ 86399999, "23h59m" }, { 86400000, "1d0h" },
		{ 4 * 86400000LL + 7 * 3600000, "4d7h" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		assert_int_equal(proto_format_uptime(buf, sizeof(buf),
		    cases[i].ms), strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
	}
	/* Cut as snprintf(3) would, and the length is what was kept. */
	assert_int_equal(proto_format_uptime(buf, 3, 3599999), 2);
	assert_string_equal(buf, "59");
	assert_int_equal(proto_format_uptime(buf, 0, 3599999), 0);
}

/* The printf-free numbers: what %lld and %llu would give, and no more. */
static void
test_numbers(void **state)
{
	static const int64_t cases[] = { 0, 1, -1, 9, 10, 99, 100, 4194304,
		-4194304, INT64_MAX, INT64_MIN };
	char buf[32], want[32];
	struct pbuf b = { 0 };
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		n = proto_num(buf, cases[i]);
		snprintf(want, sizeof(want), "%lld", (long long)cases[i]);
		assert_string_equal(buf, want);
		assert_int_equal(n, strlen(want));
		n = proto_unum(buf, (uint64_t)cases[i]);
		snprintf(want, sizeof(want), "%llu",
		    (unsigned long long)(uint64_t)cases[i]);
		assert_string_equal(buf, want);
		assert_int_equal(n, strlen(want));
	}
	pbuf_add_num(&b, -42);
	pbuf_adds(&b, ",");
	pbuf_add_unum(&b, UINT64_MAX);
	assert_string_equal(b.data, "-42,18446744073709551615");
	pbuf_free(&b);
}

static void
test_format_last(void **state)
{
	struct proto_row row = { "w", "EXITED", 0, 0, 0, LAST_NONE, 0, NULL,
	    NULL, false, 0, 0, 0 };
	char buf[32];

	(void)state;
	assert_int_equal(proto_format_last(buf, sizeof(buf), &row),
	    strlen("-"));
	assert_string_equal(buf, "-");
	row.last = LAST_CODE;
	row.code = 1;
	assert_int_equal(proto_format_last(buf, sizeof(buf), &row),
	    strlen("exit 1"));
	assert_string_equal(buf, "exit 1");
	row.last = LAST_SIGNAL;
	row.signal = "SEGV";
	assert_int_equal(proto_format_last(buf, sizeof(buf), &row),
	    strlen("SEGV"));
	assert_string_equal(buf, "SEGV");
}

static void
test_format_cpu(void **state)
{
	static const struct {
		uint64_t ms;
		const char *want;
	} cases[] = {
		{ 0, "0.00s" }, { 9, "0.00s" }, { 250, "0.25s" },
		{ 1999, "1.99s" }, { 59999, "59.99s" }, { 60000, "1m0s" },
		{ 125000, "2m5s" }, { 3 * 3600000 + 2 * 60000, "3h2m" },
		{ UINT64_MAX, "106751991167d7h" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		assert_int_equal(proto_format_cpu(buf, sizeof(buf),
		    cases[i].ms), strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
	}
}

static void
test_format_bytes(void **state)
{
	static const struct {
		uint64_t bytes;
		const char *want;
	} cases[] = {
		{ 0, "0B" }, { 1023, "1023B" }, { 1024, "1.0K" },
		{ 1536, "1.5K" }, { 10 * 1024 - 1, "9.9K" }, { 10 * 1024, "10K" },
		{ 1023 * 1024, "1023K" }, { 1024 * 1024, "1.0M" },
		{ 3670016, "3.5M" }, { 3670015, "3.4M" }, { 1288490189, "1.2G" },
		{ 5ULL << 40, "5.0T" }, { UINT64_MAX, "15E" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		assert_int_equal(proto_format_bytes(buf, sizeof(buf),
		    cases[i].bytes), strlen(cases[i].want));
		assert_string_equal(buf, cases[i].want);
	}
}

static void
test_default_socket(void **state)
{
	char buf[108], why[256], want[64], longdir[200];

	(void)state;
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	assert_int_equal(proto_default_socket(buf, sizeof(buf),
	    PROTO_DIR_CHECK, why, sizeof(why)), 0);
	assert_string_equal(buf, "/run/user/1000/supervise.sock");

	snprintf(want, sizeof(want), "/tmp/supervise-%lu/supervise.sock",
	    (unsigned long)geteuid());
	setenv("XDG_RUNTIME_DIR", "", 1);
	if (proto_default_socket(buf, sizeof(buf), PROTO_DIR_CHECK, why,
	    sizeof(why)) == 0)
		assert_string_equal(buf, want);
	setenv("XDG_RUNTIME_DIR", "relative/dir", 1);
	if (proto_default_socket(buf, sizeof(buf), PROTO_DIR_CHECK, why,
	    sizeof(why)) == 0)
		assert_string_equal(buf, want);
	unsetenv("XDG_RUNTIME_DIR");
	if (proto_default_socket(buf, sizeof(buf), PROTO_DIR_CHECK, why,
	    sizeof(why)) == 0)
		assert_string_equal(buf, want);

	/* Longer than sun_path: refused, not cut. */
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	setenv("XDG_RUNTIME_DIR", longdir, 1);
	assert_int_equal(proto_default_socket(buf, sizeof(buf),
	    PROTO_DIR_CHECK, why, sizeof(why)), -1);
	assert_string_equal(why, "socket path too long");
	unsetenv("XDG_RUNTIME_DIR");
}

static void
test_check_dir(void **state)
{
	char tmpl[] = "/tmp/proto-test.XXXXXX", path[256], why[256];
	char *base;
	struct stat st;

	(void)state;
	base = mkdtemp(tmpl);
	assert_non_null(base);

	/* Missing: fine to look for, made 0700 when asked. */
	snprintf(path, sizeof(path), "%s/rt", base);
	assert_int_equal(proto_check_dir(path, PROTO_DIR_CHECK, why,
	    sizeof(why)), 0);
	assert_int_equal(proto_check_dir(path, PROTO_DIR_CREATE, why,
	    sizeof(why)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(proto_check_dir(path, PROTO_DIR_CREATE, why,
	    sizeof(why)), 0);

	/* Open to others: refused, both ways. */
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(proto_check_dir(path, PROTO_DIR_CHECK, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "lets others in"));
	assert_int_equal(proto_check_dir(path, PROTO_DIR_CREATE, why,
	    sizeof(why)), -1);
	assert_int_equal(chmod(path, 0700), 0);

	/* Someone else's directory. */
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(proto_check_dir(path, PROTO_DIR_CHECK, why,
		    sizeof(why)), -1);
		assert_non_null(strstr(why, "owned by uid 65534"));
		assert_int_equal(chown(path, 0, 0), 0);
	}

	/* A symlink to a good directory is still refused. */
	snprintf(why, sizeof(why), "%s/link", base);
	assert_int_equal(symlink(path, why), 0);
	snprintf(path, sizeof(path), "%s", why);
	assert_int_equal(proto_check_dir(path, PROTO_DIR_CREATE, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "not a directory"));
	assert_int_equal(unlink(path), 0);

	/* A plain file, and a missing parent. */
	snprintf(path, sizeof(path), "%s/file", base);
	fclose(fopen(path, "w"));
	assert_int_equal(proto_check_dir(path, PROTO_DIR_CHECK, why,
	    sizeof(why)), -1);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/no/such", base);
	assert_int_equal(proto_check_dir(path, PROTO_DIR_CREATE, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "mkdir"));

	snprintf(path, sizeof(path), "%s/rt", base);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(base), 0);
}

static void
test_pbuf(void **state)
{
	struct pbuf b = { 0 };
	char big[5000];
	size_t i;

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 0; i < 10; i++)
		pbuf_addf(&b, "%s%zu", big, i);
	assert_int_equal(b.len, 10 * (sizeof(big) - 1) + 10);
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.data[b.len - 1], '9');
	pbuf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	/* Once an append failed, the rest do nothing and it stays failed. */
	pbuf_add(&b, "abc", 3);
	b.failed = true;
	pbuf_add(&b, "def", 3);
	pbuf_addf(&b, "%d", 42);
	proto_put_ok(&b);
	assert_true(b.failed);
	assert_string_equal(b.data, "abc");
	pbuf_free(&b);
	assert_false(b.failed);
}

/* Rows for the chunked encoder: every third one left out, odd text. */
struct many_rows {
	char names[1000][16];
	char texts[1000][16];
};

static bool
fill_many(void *ctx, size_t i, struct proto_row *r)
{
	struct many_rows *m = ctx;

	if (i % 3 == 2)
		return false;
	snprintf(m->names[i], sizeof(m->names[i]), "w:%zu", i);
	snprintf(m->texts[i], sizeof(m->texts[i]), "t\t%zu\n", i);
	r->name = m->names[i];
	r->state = i % 2 ? "RUNNING" : "BACKOFF";
	r->pid = i % 2 ? (long)(1000 + i) : 0;
	r->uptime_ms = (int64_t)i * 7;
	r->restarts = i;
	r->last = i % 4 == 0 ? LAST_SIGNAL : LAST_CODE;
	r->signal = "SEGV";
	r->code = (int)i;
	r->text = i % 5 ? m->texts[i] : NULL;
	return true;
}

/* However the rows are split into chunks, the reply is the same bytes. */
static void
test_rows_chunked(void **state)
{
	static struct many_rows m;
	struct proto_rows whole = { .n = 1000, .fill = fill_many, .ctx = &m };
	struct proto_rows r;
	struct pbuf one = { 0 }, b;
	size_t chunks[] = { 1, 2, 7, 64, 333, 999, 1000 };
	size_t k, calls;
	struct proto_row row;
	char *line, *nl;
	size_t rows = 0;

	(void)state;
	assert_true(proto_put_rows(&one, &whole, SIZE_MAX));
	assert_false(one.failed);
	/* 667 rows (every third left out), then the ok line. */
	for (line = one.data; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
		rows++;
	assert_int_equal(rows, 667 + 1);
	assert_true(one.len >= 3);
	assert_memory_equal(one.data + one.len - 3, "ok\n", 3);
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		memset(&b, 0, sizeof(b));
		r = (struct proto_rows){ .n = 1000, .fill = fill_many,
		    .ctx = &m };
		calls = 1;
		while (!proto_put_rows(&b, &r, chunks[k])) {
			calls++;
			assert_true(calls <= 1000);
			/* Never the ok line before the last row. */
			assert_true(b.len < 3 ||
			    memcmp(b.data + b.len - 3, "ok\n", 3) != 0);
		}
		/* Row 999, the last, is filled: done with it, at once. */
		assert_int_equal(calls, (667 + chunks[k] - 1) / chunks[k]);
		assert_int_equal(b.len, one.len);
		assert_memory_equal(b.data, one.data, one.len);
		pbuf_free(&b);
	}
	/* The rows decode as what was filled. */
	line = one.data;
	nl = strchr(line, '\n');
	*nl = '\0';
	{
		struct proto_reply rep;

		assert_int_equal(proto_parse_reply(line, &rep), 0);
		assert_int_equal(rep.kind, REPLY_ROW);
		row = rep.row;
		assert_string_equal(row.name, "w:0");
		assert_string_equal(row.state, "BACKOFF");
		assert_int_equal(row.last, LAST_SIGNAL);
	}
	/* No rows at all: just ok. */
	memset(&b, 0, sizeof(b));
	r = (struct proto_rows){ .n = 0, .fill = fill_many, .ctx = &m };
	assert_true(proto_put_rows(&b, &r, 64));
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "ok\n", 3);
	pbuf_free(&b);
	pbuf_free(&one);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_request),
		cmocka_unit_test(test_encode_request_limit),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_parse_request_bytes),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_row_bytes),
		cmocka_unit_test(test_reply_every_byte),
		cmocka_unit_test(test_error_codes),
		cmocka_unit_test(test_parse_reply_rejects),
		cmocka_unit_test(test_parse_reply_every_offset),
		cmocka_unit_test(test_record_replies),
		cmocka_unit_test(test_why_json),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_many),
		cmocka_unit_test(test_format_uptime),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_format_last),
		cmocka_unit_test(test_format_cpu),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_default_socket),
		cmocka_unit_test(test_check_dir),
		cmocka_unit_test(test_pbuf),
		cmocka_unit_test(test_rows_chunked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
