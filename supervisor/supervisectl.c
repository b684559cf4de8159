/*
 * supervisectl: the control client.  It sends one request to supervise
 * over the control socket (the protocol is in proto.h), prints the reply
 * and turns it into an exit status.  This file reads the command line;
 * ctl_conn.c talks to supervise, ctl_output.c prints, top.c is the live
 * view.
 */
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "supervisectl.h"

#ifndef SUPERVISE_VERSION
#define SUPERVISE_VERSION "0.1.0"
#endif

#define LOG_DEFAULT_LINES 20

static const char *const usage_text =
    "usage: supervisectl [-s SOCKET] [--json] status [NAME ...]\n"
    "       supervisectl [-s SOCKET] check [NAME ...]\n"
    "       supervisectl [-s SOCKET] start|stop|restart NAME ...\n"
    "       supervisectl [-s SOCKET] signal SIGNAL NAME ...\n"
    "       supervisectl [-s SOCKET] reload | shutdown\n"
    "       supervisectl [-s SOCKET] metrics\n"
    "       supervisectl [-s SOCKET] log [-f] [-n N] NAME ...\n"
    "       supervisectl [-s SOCKET] [--json] why NAME ...\n"
    "       supervisectl [-s SOCKET] top [-d SECONDS] [-n COUNT] [-o KEY]\n"
    "       supervisectl -h | -V\n";

void
usage(void)
{
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}
void
die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("supervisectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}
/*
 * log's own options, after the command: -f, -n N.  Sets *lines (as the
 * request's word) and turns cmd into CMD_FOLLOW for -f.
 */
static int
log_options(int argc, char **argv, enum proto_cmd *cmd, const char **lines)
{
	int i;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (strcmp(argv[i], "-f") == 0)
			*cmd = CMD_FOLLOW;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			*lines = argv[++i];
		else if (strncmp(argv[i], "-n", 2) == 0 && argv[i][2] != '\0')
			*lines = argv[i] + 2;
		else
			usage();
	}
	if ((*lines)[0] < '0' || (*lines)[0] > '9' ||
	    strspn(*lines, "0123456789") != strlen(*lines))
		die(EXIT_USAGE, "-n: expected a number of lines, got %s",
		    *lines);
	return i;
}
const char *
socket_path(const char *sock, char *buf, size_t len)
{
	char msg[256];

	if (sock != NULL)
		return sock;
	if (proto_default_socket(buf, len, PROTO_DIR_CHECK, msg,
	    sizeof(msg)) == -1)
		die(EXIT_NOSERVER, "%s", msg);
	return buf;
}
static bool
find_command(const char *name, enum proto_cmd *cmd)
{
	int c;

	/* follow is log -f. */
	for (c = CMD_STATUS; c <= CMD_WHY; c++) {
		if (c == CMD_FOLLOW)
			continue;
		if (strcmp(name, proto_cmd_name((enum proto_cmd)c)) == 0) {
			*cmd = (enum proto_cmd)c;
			return true;
		}
	}
	return false;
}
int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct proto_request check;
	struct status st = { 0 };
	struct why wy = { 0 };
	char nlines[24];
	struct pbuf req = { 0 }, pre = { 0 };
	enum proto_cmd cmd;
	enum proto_err err;
	const char *sock = NULL, *sig = NULL, *why;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)], msg[256];
	bool json = false, waits;
	size_t i;
	int ch, fd, status;

	while ((ch = getopt_long(argc, argv, "+s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("supervisectl %s\n", SUPERVISE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (strcmp(argv[0], "top") == 0 && !json)
		return top_main(sock, argc, argv);
	if (!find_command(argv[0], &cmd)) {
		fprintf(stderr, "supervisectl: unknown command: %s\n", argv[0]);
		usage();
	}
	if (json && cmd != CMD_STATUS && cmd != CMD_WHY)
		usage();
	wy.json = json;
	st.json = json;
	argc--;
	argv++;
	if (cmd == CMD_LOG) {
		snprintf(nlines, sizeof(nlines), "%d", LOG_DEFAULT_LINES);
		sig = nlines;
		i = (size_t)log_options(argc, argv, &cmd, &sig);
		argc -= (int)i;
		argv += i;
	}
	if (cmd == CMD_SIGNAL && argc > 0) {
		sig = argv[0];
		argc--;
		argv++;
	}
	if (proto_encode_request(&req, cmd, sig, argv, (size_t)argc,
	    &why) == -1) {
		if (strcmp(why, "invalid worker name") == 0)
			die(EXIT_FAILED, "no such worker: a name has no spaces "
			    "or control characters");
		die(EXIT_USAGE, "%s", why);
	}
	/* The daemon's own parser decides what is well-formed. */
	if (proto_parse_request(req.data, req.len - 1, &check, &err,
	    &why) == -1)
		usage();
	proto_request_free(&check);

	read_timeout();
	if (sock == NULL) {
		if (proto_default_socket(path, sizeof(path), PROTO_DIR_CHECK,
		    msg, sizeof(msg)) == -1)
			die(EXIT_NOSERVER, "%s", msg);
		sock = path;
	}
	/*
	 * A request that waits on workers asks for wait lines first, so
	 * that its timeout can tell a slow operation from a dead server.
	 */
	waits = cmd == CMD_START || cmd == CMD_STOP || cmd == CMD_RESTART ||
	    cmd == CMD_SHUTDOWN;
	if (waits) {
		if (proto_encode_request(&pre, CMD_PROGRESS, NULL, NULL, 0,
		    &why) == -1)
			die(EXIT_FAILED, "%s", why);
		pbuf_add(&pre, req.data, req.len);
		if (pre.failed)
			die(EXIT_FAILED, "%s", strerror(ENOMEM));
	}
	fd = connect_to(sock);
	send_request(fd, waits ? &pre : &req, sock);
	pbuf_free(&req);
	pbuf_free(&pre);
	status = read_reply(fd, sock, cmd, &st, &wy, waits ? 1 : 0);
	if (cmd == CMD_STATUS && status == 0) {
		if (json)
			print_json(&st);
		else
			print_table(&st);
	}
	if (cmd == CMD_WHY && status == 0 && json)
		print_why_json(&wy);
	else if (cmd == CMD_WHY && status == 0 && wy.n == 0)
		fprintf(stderr, "supervisectl: no exits recorded\n");
	why_free(&wy);
	status_free(&st);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_FAILED, "stdout: %s", strerror(errno));
	return status;
}
