/*
 * metrics.c: the Prometheus text exposition format (0.0.4) of supervise's
 * metrics, pure: numbers in (metrics.h), text out.  Each family is written
 * whole, HELP and TYPE first, then one series per worker, as the format
 * requires (a family's series must not be interleaved with another's).
 * Label values are escaped as the format says (backslash, double quote,
 * newline), so no worker name can break a line or forge a series.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

static const char *const reasons[EXIT_REASON_COUNT] = {
	[EXIT_REASON_SUCCESS] = "success",
	[EXIT_REASON_FAILURE] = "failure",
	[EXIT_REASON_SIGNAL] = "signal",
	[EXIT_REASON_STOPPED] = "stopped",
	[EXIT_REASON_START_TIMEOUT] = "start_timeout",
	[EXIT_REASON_WATCHDOG] = "watchdog",
	[EXIT_REASON_SPAWN] = "spawn",
};

const char *
metrics_exit_reason(enum exit_reason r)
{
	return (unsigned)r < EXIT_REASON_COUNT ? reasons[r] : "unknown";
}

static void
put_str(struct pbuf *b, const char *s)
{
	pbuf_add(b, s, strlen(s));
}

static void
family(struct pbuf *b, const char *name, const char *type, const char *help)
{
	pbuf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
label_value(struct pbuf *b, const char *v)
{
	const char *run;

	put_str(b, "\"");
	for (;;) {
		for (run = v; *v != '\0' && *v != '\\' && *v != '"' &&
		    *v != '\n'; v++)
			;
		pbuf_add(b, run, (size_t)(v - run));
		if (*v == '\0')
			break;
		pbuf_add(b, *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : "\\n",
		    2);
		v++;
	}
	put_str(b, "\"");
}

/* NAME{worker="W"[,KEY="V"]} */
static void
series(struct pbuf *b, const char *name, const char *worker,
    const char *key, const char *value)
{
	pbuf_addf(b, "%s{worker=", name);
	label_value(b, worker);
	if (key != NULL) {
		pbuf_addf(b, ",%s=", key);
		label_value(b, value);
	}
	put_str(b, "}");
}

static void
put_u64(struct pbuf *b, uint64_t v)
{
	pbuf_addf(b, " %" PRIu64 "\n", v);
}

static void
put_seconds(struct pbuf *b, double v)
{
	pbuf_addf(b, " %.3f\n", v);
}

static void
supervisor_families(struct pbuf *b, const struct metrics_info *in)
{
	family(b, "supervise_build_info", "gauge",
	    "Always 1; the labels say which supervise answers.");
	put_str(b, "supervise_build_info{version=");
	label_value(b, in->version);
	put_str(b, ",mode=");
	label_value(b, in->mode);
	put_str(b, "} 1\n");
	family(b, "supervise_start_time_seconds", "gauge",
	    "When supervise started, in seconds since the Unix epoch.");
	put_str(b, "supervise_start_time_seconds");
	put_seconds(b, in->start_time);
	family(b, "supervise_reloads_total", "counter",
	    "Config reloads asked for, by result.");
	put_str(b, "supervise_reloads_total{result=\"success\"}");
	put_u64(b, in->reloads);
	put_str(b, "supervise_reloads_total{result=\"failure\"}");
	put_u64(b, in->reloads_failed);
	family(b, "supervise_control_requests_total", "counter",
	    "Requests served on the control socket.");
	put_str(b, "supervise_control_requests_total");
	put_u64(b, in->control_requests);
}

void
metrics_encode(struct pbuf *b, const struct metrics_info *in,
    const struct metrics_worker *w, size_t n)
{
	size_t i, s;
	int r;

	supervisor_families(b, in);

	family(b, "supervise_worker_up", "gauge",
	    "1 if the worker is RUNNING, else 0.");
	for (i = 0; i < n; i++) {
		series(b, "supervise_worker_up", w[i].name, NULL, NULL);
		put_u64(b, w[i].running);
	}
	family(b, "supervise_worker_state", "gauge",
	    "1 for the state the worker is in, 0 for every other.");
	for (i = 0; i < n; i++) {
		for (s = 0; s < in->nstates; s++) {
			series(b, "supervise_worker_state", w[i].name, "state",
			    in->states[s]);
			put_u64(b, w[i].state == s);
		}
	}
	family(b, "supervise_worker_restarts_total", "counter",
	    "Automatic restarts since supervise started.");
	for (i = 0; i < n; i++) {
		series(b, "supervise_worker_restarts_total", w[i].name, NULL,
		    NULL);
		put_u64(b, w[i].restarts);
	}
	family(b, "supervise_worker_exits_total", "counter",
	    "Ends of the worker's processes, by reason.");
	for (i = 0; i < n; i++) {
		for (r = 0; r < EXIT_REASON_COUNT; r++) {
			series(b, "supervise_worker_exits_total", w[i].name,
			    "reason", reasons[r]);
			put_u64(b, w[i].exits[r]);
		}
	}
	family(b, "supervise_worker_start_time_seconds", "gauge",
	    "When the worker's process started, in seconds since the Unix "
	    "epoch; 0 while it has none.");
	for (i = 0; i < n; i++) {
		series(b, "supervise_worker_start_time_seconds", w[i].name,
		    NULL, NULL);
		put_seconds(b, w[i].start_time);
	}
	family(b, "supervise_worker_uptime_seconds", "gauge",
	    "How long the worker's process has been up; 0 while down.");
	for (i = 0; i < n; i++) {
		series(b, "supervise_worker_uptime_seconds", w[i].name, NULL,
		    NULL);
		put_seconds(b, w[i].uptime);
	}
	family(b, "supervise_worker_last_exit_code", "gauge",
	    "Exit status of the worker's last process, if it exited.");
	for (i = 0; i < n; i++) {
		if (!w[i].has_exit || w[i].last_signal != 0)
			continue;
		series(b, "supervise_worker_last_exit_code", w[i].name, NULL,
		    NULL);
		put_u64(b, (uint64_t)(w[i].last_code & 0xff));
	}
	family(b, "supervise_worker_last_exit_signal", "gauge",
	    "Signal number that killed the worker's last process, if one "
	    "did.");
	for (i = 0; i < n; i++) {
		if (!w[i].has_exit || w[i].last_signal == 0)
			continue;
		series(b, "supervise_worker_last_exit_signal", w[i].name, NULL,
		    NULL);
		put_u64(b, (uint64_t)w[i].last_signal);
	}
	family(b, "supervise_worker_cpu_seconds_total", "counter",
	    "CPU time (user and system) of the worker's current process.");
	for (i = 0; i < n; i++) {
		if (!w[i].has_proc)
			continue;
		series(b, "supervise_worker_cpu_seconds_total", w[i].name,
		    NULL, NULL);
		put_seconds(b, w[i].cpu_seconds);
	}
	family(b, "supervise_worker_resident_memory_bytes", "gauge",
	    "Resident memory of the worker's current process.");
	for (i = 0; i < n; i++) {
		if (!w[i].has_proc)
			continue;
		series(b, "supervise_worker_resident_memory_bytes", w[i].name,
		    NULL, NULL);
		put_u64(b, w[i].rss_bytes);
	}
	family(b, "supervise_worker_output_lines_total", "counter",
	    "Output lines captured from the worker.");
	for (i = 0; i < n; i++) {
		series(b, "supervise_worker_output_lines_total", w[i].name,
		    NULL, NULL);
		put_u64(b, w[i].lines);
	}
	family(b, "supervise_worker_output_dropped_lines_total", "counter",
	    "Output lines dropped because their destination fell behind.");
	for (i = 0; i < n; i++) {
		series(b, "supervise_worker_output_dropped_lines_total",
		    w[i].name, NULL, NULL);
		put_u64(b, w[i].dropped);
	}
}
