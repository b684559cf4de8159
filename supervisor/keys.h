/*
 * keys.h: what keys.c, the table of keys, and keyvals.c, the parsers of
 * their values, share.  No other file includes it.
 */
#ifndef SUPERVISE_KEYS_H
#define SUPERVISE_KEYS_H

#include <stddef.h>

#include "config.h"

#define MAX_INSTANCES 10000
#define MAX_RESTART_LIMIT 10000
#define LOG_BUFFER_MAX (16 * 1024 * 1024)
#define THREAD_SHARED \
	"not available in thread mode (threads share it with supervise)"

_Static_assert(sizeof(enum sv_restart) == sizeof(int) &&
    sizeof(enum sv_mode) == sizeof(int), "choices are stored as int");

/* Where a key is read: the entry, the struct it fills, where errors go. */
struct sect {
	struct ini_errors *errs;
	const char *dir;	/* for relative paths */
	enum sv_mode mode;
	void *base;		/* struct config or struct worker_config */
	const struct ini_entry *e;
	char ***include;	/* [supervisor] include */
	int *include_line;
};

struct key;
typedef void key_fn(struct sect *, const struct key *, const char *);

struct key {
	const char *name;
	key_fn *fn;
	size_t off;		/* of the field in base */
	unsigned flags;
	unsigned max;		/* kv_count; the LIMIT_ index for kv_limit */
	const char *const *words;	/* kv_choice: index = enum value */
};

#define K_PROCESS 0x1		/* an error in thread mode */
#define K_REPEAT 0x2		/* may repeat */
#define K_EMPTY 0x4		/* may be empty */
#define K_POSITIVE 0x8		/* more than 0 */
#define K_ARGV 0x10		/* split with quotes by its parser */


/* The parsers of values (keyvals.c), one a kind of value. */
key_fn kv_after;
key_fn kv_bool;
key_fn kv_choice;
key_fn kv_command;
key_fn kv_count;
key_fn kv_duration;
key_fn kv_env;
key_fn kv_exit_when;
key_fn kv_exits;
key_fn kv_include;
key_fn kv_limit;
key_fn kv_listen;
key_fn kv_logbuf;
key_fn kv_output;
key_fn kv_path;
key_fn kv_plugin;
key_fn kv_signal;
key_fn kv_socket;
key_fn kv_string;
key_fn kv_umask;

/* An error about the value of the key being read, at its line. */
void	kv_bad(struct sect *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* An error of split_argv's, with a hint when a comment cut the value. */
void	kv_argv_error(struct sect *s, const char *why);
void	kv_oom(struct sect *s);

#endif
