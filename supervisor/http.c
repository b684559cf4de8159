/*
 * http.c: the request parser and response heads of the metrics listener
 * (see http.h).  Pure: bytes in, a verdict out, nothing kept between
 * calls.  Every loop is bounded by HTTP_MAX_REQUEST, every copy by the
 * size of its destination; a byte that no valid head contains ends the
 * parse at once, so garbage is refused before the size bound is reached.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/* A visible character or a space: what the request line is made of. */
static bool
is_text(unsigned char c)
{
	return c >= ' ' && c <= '~';
}

static enum http_result
parse_request_line(const char *s, size_t len, struct http_request *req)
{
	const char *sp1, *sp2, *q;
	size_t mlen, tlen, i;

	if ((sp1 = memchr(s, ' ', len)) == NULL)
		return HTTP_BAD;
	mlen = (size_t)(sp1 - s);
	if (mlen == 0 || mlen > 16)
		return HTTP_BAD;
	for (i = 0; i < mlen; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return HTTP_BAD;
	if ((sp2 = memchr(sp1 + 1, ' ', len - mlen - 1)) == NULL)
		return HTTP_BAD;
	tlen = (size_t)(sp2 - sp1 - 1);
	if (tlen == 0 || sp1[1] != '/')
		return HTTP_BAD;
	if (tlen > HTTP_MAX_TARGET)
		return HTTP_TOOLARGE;
	if ((size_t)(s + len - sp2 - 1) != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return HTTP_BAD;
	req->minor = sp2[8] - '0';
	if (mlen == 3 && memcmp(s, "GET", 3) == 0)
		req->method = HTTP_GET;
	else if (mlen == 4 && memcmp(s, "HEAD", 4) == 0)
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;
	/* The path: the target up to its query. */
	if ((q = memchr(sp1 + 1, '?', tlen)) != NULL)
		tlen = (size_t)(q - sp1 - 1);
	memcpy(req->path, sp1 + 1, tlen);
	req->path[tlen] = '\0';
	return HTTP_DONE;
}

static enum http_result
parse_field(const char *s, size_t len)
{
	const char *colon, *v, *end;
	size_t nlen, i;

	if ((colon = memchr(s, ':', len)) == NULL)
		return HTTP_BAD;
	nlen = (size_t)(colon - s);
	if (nlen == 0)
		return HTTP_BAD;
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)s[i]))
			return HTTP_BAD;
	v = colon + 1;
	end = s + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	/* A body is not read: refuse what announces one. */
	if (nlen == 17 && strncasecmp(s, "transfer-encoding", 17) == 0)
		return HTTP_BAD;
	if (nlen == 14 && strncasecmp(s, "content-length", 14) == 0) {
		if (v == end)
			return HTTP_BAD;
		for (; v < end; v++)
			if (*v != '0')
				return HTTP_BAD;
	}
	return HTTP_DONE;
}

enum http_result
http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i, start = 0, lines = 0;
	enum http_result r;

	memset(req, 0, sizeof(*req));
	if (len > HTTP_MAX_REQUEST)
		len = HTTP_MAX_REQUEST;
	for (i = 0; i < len; i++) {
		if (p[i] == '\r') {
			if (i + 1 == len)
				break;		/* the LF may follow */
			if (p[i + 1] != '\n')
				return HTTP_BAD;
			/* A complete line: [start, i). */
			if (lines == 0)
				r = parse_request_line(buf + start, i - start,
				    req);
			else if (i == start) {
				req->head_len = i + 2;
				return HTTP_DONE;
			} else if (lines > HTTP_MAX_FIELDS)
				r = HTTP_TOOLARGE;
			else
				r = parse_field(buf + start, i - start);
			if (r != HTTP_DONE)
				return r;
			lines++;
			start = i + 2;
			i++;
			continue;
		}
		/* No bare LF, no control byte; a tab only in a field. */
		if (p[i] == '\t' ? lines == 0 || i == start : !is_text(p[i]))
			return HTTP_BAD;
		/* Obsolete line folding, or a space before the method. */
		if (i == start && p[i] == ' ')
			return HTTP_BAD;
	}
	return len == HTTP_MAX_REQUEST ? HTTP_TOOLARGE : HTTP_INCOMPLETE;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

void
http_put_head(struct pbuf *b, int status, const char *content_type,
    size_t content_length)
{
	pbuf_addf(b, "HTTP/1.1 %d %s\r\n", status, http_reason(status));
	if (content_type != NULL)
		pbuf_addf(b, "Content-Type: %s\r\n", content_type);
	if (status == 405)
		pbuf_addf(b, "Allow: GET, HEAD\r\n");
	pbuf_addf(b, "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    content_length);
}
