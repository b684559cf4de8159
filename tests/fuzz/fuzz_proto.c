/*
 * fuzz_proto: the control protocol (proto.c) on hostile bytes.  The input
 * is parsed as a request, as supervise does with what a client sends; a
 * request that parses is encoded again and must parse to the same thing.
 * The input is then parsed as a reply line, as supervisectl does with
 * what a server sends, and a row is packed and unpacked as supervisectl
 * keeps it (rowpack.c); and it travels as every text field of a status
 * row, which must decode to exactly those bytes (up to the first NUL).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "rowpack.h"

static void
request(const uint8_t *data, size_t size)
{
	struct proto_request req, again;
	struct pbuf b = { 0 };
	enum proto_err err;
	const char *why;
	size_t i;

	if (proto_parse_request((const char *)data, size, &req, &err,
	    &why) == -1) {
		if (why == NULL || err == PERR_NONE)
			abort();
		return;
	}
	if (proto_encode_request(&b, req.cmd, req.sig, req.names, req.nnames,
	    &why) == 0) {
		if (b.len == 0 || b.data[b.len - 1] != '\n')
			abort();
		if (proto_parse_request(b.data, b.len - 1, &again, &err,
		    &why) == -1)
			abort();
		if (again.cmd != req.cmd || again.nnames != req.nnames ||
		    (req.sig == NULL) != (again.sig == NULL) ||
		    (req.sig != NULL && strcmp(req.sig, again.sig) != 0))
			abort();
		for (i = 0; i < req.nnames; i++)
			if (strcmp(req.names[i], again.names[i]) != 0)
				abort();
		proto_request_free(&again);
	}
	pbuf_free(&b);
	proto_request_free(&req);
}

/* A row as supervisectl keeps it, packed, comes back out the same. */
static void
repack(const struct proto_row *r)
{
	struct rowpack p = { 0 };
	struct rowpack_cursor c = { 0 };
	struct proto_row got;
	int i;

	rowpack_add(&p, r);
	rowpack_add(&p, r);
	if (p.b.failed) {
		rowpack_free(&p);
		return;
	}
	for (i = 0; i < 2; i++)
		if (!rowpack_next(&p, &c, &got) ||
		    strcmp(got.name, r->name) != 0 ||
		    strcmp(got.state, r->state) != 0 || got.pid != r->pid ||
		    got.uptime_ms != r->uptime_ms ||
		    got.restarts != r->restarts || got.last != r->last ||
		    (r->last == LAST_CODE && got.code != r->code) ||
		    (r->last == LAST_SIGNAL &&
		    strcmp(got.signal, r->signal) != 0) ||
		    got.usage != r->usage ||
		    (r->usage && (got.cpu_ms != r->cpu_ms ||
		    got.rss_bytes != r->rss_bytes ||
		    got.usage_age_ms != r->usage_age_ms)) ||
		    (got.text == NULL) != (r->text == NULL) ||
		    (r->text != NULL && strcmp(got.text, r->text) != 0))
			abort();
	if (rowpack_next(&p, &c, &got))
		abort();
	rowpack_free(&p);
}

static void
reply(const uint8_t *data, size_t size)
{
	struct proto_reply rep;
	char *line;

	if ((line = malloc(size + 1)) == NULL)
		return;
	memcpy(line, data, size);
	line[size] = '\0';
	if (proto_parse_reply(line, &rep) == 0 && rep.kind == REPLY_ROW)
		repack(&rep.row);
	free(line);
}

static void
row(const uint8_t *data, size_t size)
{
	struct proto_row r = { 0 };
	struct proto_reply rep;
	struct pbuf b = { 0 };
	char *text;

	if ((text = malloc(size + 1)) == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	r.name = text;
	r.state = text;
	r.pid = 42;
	r.last = LAST_SIGNAL;
	r.signal = text;
	r.text = text;
	proto_put_row(&b, &r);
	if (b.failed || b.len == 0 || b.data[b.len - 1] != '\n')
		abort();
	/* One record is one line, whatever the text holds. */
	if (memchr(b.data, '\n', b.len - 1) != NULL)
		abort();
	b.data[--b.len] = '\0';
	if (proto_parse_reply(b.data, &rep) == 0) {
		if (rep.kind != REPLY_ROW || strcmp(rep.row.name, text) != 0 ||
		    strcmp(rep.row.text, text) != 0 || rep.row.pid != 42)
			abort();
	} else if (text[0] != '\0')
		abort();	/* only an empty name may be refused */
	pbuf_free(&b);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	reply(data, size);
	row(data, size);
	return 0;
}
