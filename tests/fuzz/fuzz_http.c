/*
 * fuzz_http: the metrics listener's request parser (http.c) on whatever a
 * peer sends.  Beyond not crashing: a complete head's length is within the
 * input and parsing that head alone gives the same verdict; its path
 * starts with '/' and fits the bound; "read more" is only said below the
 * size bound; and a verdict reached on a prefix (refused, or complete) is
 * the verdict on the whole, since the daemon acts on it as soon as it is
 * reached.  The first byte picks where the prefix ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static enum http_result
parse(const uint8_t *data, size_t n, struct http_request *req)
{
	enum http_result r;
	char *copy;

	/* An exact-size copy, so that ASan sees any read past it. */
	if ((copy = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(copy, data, n);
	r = http_parse_request(copy, n, req);
	free(copy);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req, again, pre;
	enum http_result r, rp;
	size_t cut;

	if (size == 0)
		return 0;
	cut = (size_t)data[0] * size / 256;
	data++;
	size--;
	r = parse(data, size, &req);
	if (r == HTTP_INCOMPLETE && size >= HTTP_MAX_REQUEST)
		abort();
	if (r == HTTP_DONE) {
		if (req.head_len > size || req.head_len > HTTP_MAX_REQUEST ||
		    req.path[0] != '/' || strlen(req.path) > HTTP_MAX_TARGET ||
		    (req.minor != 0 && req.minor != 1))
			abort();
		if (parse(data, req.head_len, &again) != HTTP_DONE ||
		    again.head_len != req.head_len ||
		    strcmp(again.path, req.path) != 0 ||
		    again.method != req.method)
			abort();
	}
	if (cut > size)
		cut = size;
	rp = parse(data, cut, &pre);
	if (rp != HTTP_INCOMPLETE && rp != r)
		abort();
	return 0;
}
