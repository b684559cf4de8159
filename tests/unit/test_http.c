/* Unit tests of http.c: the metrics listener's request parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *in;
	enum http_result want;
	enum http_method method;
	const char *path;
} cases[] = {
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", HTTP_DONE, HTTP_GET,
	    "/metrics" },
	{ "GET /metrics HTTP/1.0\r\n\r\n", HTTP_DONE, HTTP_GET, "/metrics" },
	{ "HEAD /metrics?x=1 HTTP/1.1\r\n\r\n", HTTP_DONE, HTTP_HEAD,
	    "/metrics" },
	{ "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", HTTP_DONE,
	    HTTP_OTHER, "/metrics" },
	{ "GET / HTTP/1.1\r\nAccept:\ttext/plain \r\nX-A: b c\r\n\r\n",
	    HTTP_DONE, HTTP_GET, "/" },
	/* What Prometheus sends. */
	{ "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9\r\nUser-Agent: "
	    "Prometheus/2.42.0\r\nAccept: application/openmetrics-text;"
	    "version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"
	    "Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: "
	    "10\r\n\r\n", HTTP_DONE, HTTP_GET, "/metrics" },
	/* Not yet complete. */
	{ "", HTTP_INCOMPLETE, 0, NULL },
	{ "GET /metrics HTTP/1.1\r", HTTP_INCOMPLETE, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", HTTP_INCOMPLETE, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\n\r", HTTP_INCOMPLETE, 0, NULL },
	/* Refused. */
	{ "GET /metrics HTTP/1.1\n\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\nHost: x\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/2.0\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/1.2\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET metrics HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET  /metrics HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics  HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ " GET /metrics HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "get /metrics HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET\t/metrics HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /a b HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\nHost x\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\n: x\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\nHo st: x\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", HTTP_BAD, 0,
	    NULL },
	{ "GET /metrics HTTP/1.1\r\nA: b\r\n\tfolded\r\n\r\n", HTTP_BAD, 0,
	    NULL },
	{ "GET /metrics HTTP/1.1\r\nA: \x01\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\nA: \xc3\xa9\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\n", HTTP_BAD, 0,
	    NULL },
	{ "GET /metrics HTTP/1.1\r\ncontent-length:\r\n\r\n", HTTP_BAD, 0,
	    NULL },
	{ "GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	    HTTP_BAD, 0, NULL },
	{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", HTTP_BAD, 0, NULL },
	{ "VERYLONGMETHODNAME /metrics HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
};

static void
test_cases(void **state)
{
	struct http_request req;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		enum http_result r = http_parse_request(cases[i].in,
		    strlen(cases[i].in), &req);

		if (r != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, r,
			    cases[i].want);
		if (r != HTTP_DONE)
			continue;
		assert_int_equal(req.method, cases[i].method);
		assert_string_equal(req.path, cases[i].path);
		assert_int_equal(req.head_len, strlen(cases[i].in));
	}
}

/* Bytes after the head are not the parser's business. */
static void
test_head_len(void **state)
{
	const char *in = "GET /metrics HTTP/1.1\r\n\r\nGARBAGE";
	struct http_request req;

	(void)state;
	assert_int_equal(http_parse_request(in, strlen(in), &req), HTTP_DONE);
	assert_int_equal(req.head_len, strlen(in) - 7);
	assert_int_equal(req.minor, 1);
}

/* Every prefix of a valid head is incomplete, never refused. */
static void
test_prefixes(void **state)
{
	const char *in = cases[5].in;
	struct http_request req;
	size_t i;

	(void)state;
	for (i = 0; i < strlen(in); i++)
		assert_int_equal(http_parse_request(in, i, &req),
		    HTTP_INCOMPLETE);
}

static void
test_limits(void **state)
{
	static char buf[HTTP_MAX_REQUEST + 100];
	struct http_request req;
	size_t n, i;

	(void)state;
	/* A head that never ends: too large once the bound is reached. */
	n = (size_t)sprintf(buf, "GET /metrics HTTP/1.1\r\n");
	while (n < HTTP_MAX_REQUEST + 50)
		n += (size_t)sprintf(buf + n, "X: y\r\n");
	assert_int_equal(http_parse_request(buf, HTTP_MAX_REQUEST - 1, &req),
	    HTTP_TOOLARGE);	/* over HTTP_MAX_FIELDS already */
	/* A long target. */
	n = (size_t)sprintf(buf, "GET /");
	for (i = 0; i < HTTP_MAX_TARGET; i++)
		buf[n++] = 'a';
	n += (size_t)sprintf(buf + n, " HTTP/1.1\r\n\r\n");
	assert_int_equal(http_parse_request(buf, n, &req), HTTP_TOOLARGE);
	/* One long line: incomplete below the bound, too large at it. */
	memset(buf, 'a', HTTP_MAX_REQUEST + 10);
	memcpy(buf, "GET /", 5);
	assert_int_equal(http_parse_request(buf, HTTP_MAX_REQUEST - 1, &req),
	    HTTP_INCOMPLETE);
	assert_int_equal(http_parse_request(buf, HTTP_MAX_REQUEST + 10, &req),
	    HTTP_TOOLARGE);
}

static void
test_response_head(void **state)
{
	struct pbuf b = { 0 };

	(void)state;
	http_put_head(&b, 405, "text/plain", 3);
	assert_string_equal(b.data, "HTTP/1.1 405 Method Not Allowed\r\n"
	    "Content-Type: text/plain\r\nAllow: GET, HEAD\r\n"
	    "Content-Length: 3\r\nConnection: close\r\n\r\n");
	pbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_head_len),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_response_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
