/*
 * http.h: the little HTTP/1.x that the metrics listener speaks, pure (no
 * I/O), so that the unit tests and the fuzzer drive it as the daemon does.
 *
 * The parser is strict and minimal: a request line
 * "METHOD SP /TARGET SP HTTP/1.0|1.1 CRLF", header fields
 * "NAME: VALUE CRLF" (no obsolete line folding), an empty line.  Nothing
 * after the head is read: a request with a body (a Transfer-Encoding, or
 * a Content-Length other than 0) is refused.  Anything else that is not
 * exactly this is HTTP_BAD.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "proto.h"

#define HTTP_MAX_REQUEST 8192	/* the request head, bytes */
#define HTTP_MAX_TARGET 1024	/* the request target, bytes */
#define HTTP_MAX_FIELDS 64	/* header fields */

enum http_result {
	HTTP_INCOMPLETE,	/* no end of the head yet: read more */
	HTTP_DONE,		/* a complete, valid head */
	HTTP_BAD,		/* not a request we accept: 400 */
	HTTP_TOOLARGE,		/* over a bound: 431 */
};

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_request {
	enum http_method method;
	int minor;			/* HTTP/1.minor */
	char path[HTTP_MAX_TARGET + 1];	/* the target up to '?', NUL-ended */
	size_t head_len;		/* bytes of the head, with its CRLFCRLF */
};

/*
 * Parse the start of buf (len bytes, not NUL-terminated) as a request
 * head.  The result depends on the bytes only, so parsing again after
 * more arrived is the way to continue; HTTP_INCOMPLETE is given only while
 * len < HTTP_MAX_REQUEST and what came so far can still become valid.
 */
enum http_result http_parse_request(const char *buf, size_t len,
    struct http_request *req);

/*
 * Append a response head: status line, Content-Type (if not NULL),
 * Content-Length, "Connection: close", and for 405 "Allow: GET, HEAD".
 */
void http_put_head(struct pbuf *b, int status, const char *content_type,
    size_t content_length);
/* "OK", "Not Found" ... for the codes http_put_head is used with. */
const char *http_reason(int status);

#endif
