/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wfpredir-proxy: a transparent TCP/UDP proxy that hands wfpredir redirect
 * records on. Shared between the files, each of which has one job:
 *
 *	main.c		command line, pidfile, startup and shutdown
 *	config.c	options: one table for the command line and the -c file
 *	log.c		log lines (journald priorities), log file reopening,
 *			rate limiting
 *	notify.c	the systemd notification protocol (sd_notify)
 *	addr.c		ADDR:PORT parsing and printing
 *	loop.c		the epoll loop, listeners, timers, reaping, signals:
 *			drain on SIGTERM, reload on SIGHUP
 *	redirect.c	the WSAIoctl side: records, context, original destination
 *	relay.c		the splice relay of one TCP connection
 *	tcp.c		TCP connections: accept, connect, relay, close
 *	udp.c		UDP flows
 *
 * Everything is single-threaded around one epoll instance. There is no
 * global mutable state: struct proxy holds it all, and signals arrive
 * through a signalfd.
 */
#ifndef WFPREDIR_PROXY_H
#define WFPREDIR_PROXY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <wfpredir.h>

/* Exit statuses (also in the man page). */
enum {
	EXIT_OK = 0,	 /* clean shutdown on SIGINT or SIGTERM */
	EXIT_FAILED = 1, /* runtime failure */
	EXIT_USAGE = 2,	 /* bad command line or configuration file */
};

#define PROG "wfpredir-proxy"

/* Listeners one configuration may ask for. */
#define PROXY_MAX_LISTENERS 32
/*
 * Listener slots: a reload opens the new configuration's listeners before
 * it closes the old ones, so that a failure leaves the old set whole.
 */
#define PROXY_LISTENER_SLOTS (2 * PROXY_MAX_LISTENERS)

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* ---------------------------------------------------------------- addr.c */

struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* "[" INET6_ADDRSTRLEN "]:65535" and the NUL. */
#define ADDR_STRLEN (INET6_ADDRSTRLEN + 9)

int addr_parse(const char *s, struct addr *out);
int addr_from_sockaddr(struct addr *out, const void *sa, size_t len);
const char *addr_format(const struct addr *a, char *buf, size_t len);
bool addr_equal(const struct addr *a, const struct addr *b);
bool addr_is_v4mapped(const struct addr *a);
uint16_t addr_port(const struct addr *a);
void addr_set_port(struct addr *a, uint16_t port);

/* ----------------------------------------------------------------- log.c */

enum log_level {
	LVL_ERROR,  /* always */
	LVL_WARN,   /* always */
	LVL_NOTICE, /* always: startup, shutdown, refusals */
	LVL_INFO,   /* -v: one line per flow event */
	LVL_DEBUG,  /* -vv: details */
};

struct log {
	int fd;		  /* stderr or the log file */
	const char *path; /* NULL: stderr */
	const char *name;
	int verbose;
	bool journal; /* stderr is read by journald: "<N>" prefixes, no time */
};

bool log_stderr_is_journal(void);
int log_open(struct log *log);
int log_reopen(struct log *log);
void log_close(struct log *log);
bool log_enabled(const struct log *log, enum log_level lvl);
void log_msg(struct log *log, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* At most one event a second gets through; the rest are counted. */
struct ratelimit {
	int64_t last_ms;
	unsigned long suppressed;
};

bool ratelimit_ok(struct ratelimit *rl, int64_t now_ms, unsigned long *suppressed);

/* -------------------------------------------------------------- config.c */

struct listen_spec {
	struct addr addr;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

/* The options, in the order of the usage text; a bit each in config.set. */
enum config_opt {
	OPT_TCP,
	OPT_UDP,
	OPT_NAME,
	OPT_DROP_RECORDS,
	OPT_REQUIRE_RECORDS,
	OPT_WSAIOCTL,
	OPT_TO,
	OPT_VERBOSE,
	OPT_LOG,
	OPT_PIDFILE,
	OPT_MAX_CONNS,
	OPT_UDP_IDLE,
	OPT_CONNECT_TIMEOUT,
	OPT_DRAIN_TIMEOUT,
	OPT_COUNT,
};

#define CONFIG_NAME_MAX 64

struct config {
	struct listen_spec listen[PROXY_MAX_LISTENERS];
	size_t n_listen;
	char name[CONFIG_NAME_MAX + 1];
	char log_path[PATH_MAX]; /* "": stderr */
	char pidfile[PATH_MAX];	 /* "": none */
	bool drop_records;
	bool require_records;
	bool wsaioctl; /* TCP records through WSAIoctl's query and set only */
	bool have_to;
	struct addr to; /* --to: upstream of flows not redirected */
	int verbose;
	unsigned int max_conns;
	unsigned int udp_idle;	      /* seconds */
	unsigned int connect_timeout; /* seconds */
	unsigned int drain_timeout;   /* seconds; 0: close at once */
	uint32_t set;		      /* options given: 1 << enum config_opt */
};

const char *config_opt_name(enum config_opt opt);
int config_opt_lookup(const char *name);
bool config_opt_has_value(enum config_opt opt);
void config_defaults(struct config *cfg);
int config_set(struct config *cfg, enum config_opt opt, const char *value, const char *dashes,
	       char *err, size_t errlen);
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);
void config_merge(struct config *cfg, const struct config *over);

/* ---------------------------------------------------------------- notify.c */

struct notify {
	int fd; /* -1: not run by a service manager */
	struct sockaddr_storage addr;
	socklen_t len;
};

int notify_open(struct notify *n, char *err, size_t errlen);
int notify_send(struct notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void notify_close(struct notify *n);

/* ---------------------------------------------------------------- loop.c */

struct proxy;

/* What an epoll event points to. */
struct handler {
	void (*fn)(struct handler *h, uint32_t events);
};

struct listener {
	struct handler h;
	struct proxy *px;
	int fd; /* -1: a free slot */
	int proto;
	uint64_t id;		 /* unique for the process: UDP flows name theirs */
	struct listen_spec spec; /* as configured */
	struct addr addr;	 /* as bound (the port filled in) */
	bool paused;		 /* out of descriptors: resumed on the next tick */
};

struct conn;
struct udp_flow;

struct proxy {
	struct config cfg;
	struct config cli;	 /* the command line's options: they win at reload */
	const char *config_path; /* -c FILE, or NULL */
	struct log log;
	struct notify notify;
	int epfd;
	int sigfd;
	bool draining; /* SIGTERM: listeners closed, waiting for the rest */
	bool stopping; /* leave the loop */
	int64_t drain_deadline_ms;
	struct handler sig_h;
	struct listener listeners[PROXY_LISTENER_SLOTS];
	uint64_t next_listener_id;
	int64_t now_ms; /* CLOCK_MONOTONIC, refreshed each loop turn */
	uint64_t next_id;
	unsigned int active;	    /* TCP connections and UDP flows */
	unsigned int tcp_active;    /* of which TCP connections */
	unsigned int status_active; /* active when STATUS= was last sent */
	struct conn *conns;
	struct conn *dead_conns;
	struct udp_flow *flows;
	struct udp_flow *dead_flows;
	unsigned char *dgram;	    /* UDP receive buffer */
	bool handoff_absent;	    /* no wfpredir module: WSAIoctl until a reload */
	struct ratelimit refuse_rl; /* proxy_refused() */
	struct ratelimit error_rl;  /* accept and recv failures */
};

int64_t now_ms(void);
int proxy_open(struct proxy *px);
int proxy_run(struct proxy *px);
void proxy_status(struct proxy *px);
void proxy_close(struct proxy *px);
int ep_add(struct proxy *px, int fd, uint32_t events, struct handler *h);
int ep_mod(struct proxy *px, int fd, uint32_t events, struct handler *h);
void ep_del(struct proxy *px, int fd);
bool proxy_is_own_address(const struct proxy *px, int proto, const struct addr *a);
bool proxy_admit(struct proxy *px, const char *what, const struct addr *peer);
void proxy_refused(struct proxy *px, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ redirect.c */

/* What the kernel says about one accepted (or connected) socket. */
struct redirect_info {
	void *records; /* NULL when none */
	DWORD records_len;
	int records_err; /* 0 or the WSA error of the query */
	int context_err;
	DWORD context_len;
	bool have_orig; /* the context has the default layout */
	struct addr orig_dst;
	struct addr orig_src;
	struct wfpredir_context_process proc;
};

void redirect_query(int fd, struct redirect_info *ri);
int redirect_handoff(int up, int fd, struct redirect_info *ri);
void redirect_info_free(struct redirect_info *ri);
bool redirect_not_redirected(int wsa);
int redirect_set_records(int fd, const struct redirect_info *ri);
int redirect_original_dst(int fd, const struct addr *local, struct addr *out);
const char *redirect_destination(const struct proxy *px, int fd, int proto,
				 const struct redirect_info *ri, const struct addr *local,
				 struct addr *dst);
const char *redirect_error_name(int wsa, char *buf, size_t len);
void redirect_describe(const struct redirect_info *ri, char *out, size_t len);
void redirect_log(struct proxy *px, const char *tag, const struct redirect_info *ri);

/* --------------------------------------------------------------- relay.c */

struct relay_dir {
	int src;
	int dst;
	int pipe[2];
	size_t pending; /* bytes in the pipe */
	uint64_t bytes; /* bytes delivered to dst */
	bool eof;	/* src said EOF */
	bool done;	/* EOF passed on: dst shut down for writing */
};

/* dir[0]: client to upstream; dir[1]: upstream to client. */
struct relay {
	struct relay_dir dir[2];
};

void relay_init(struct relay *r);
int relay_start(struct relay *r, int client, int upstream);
void relay_close(struct relay *r);
int relay_pump(struct relay_dir *d);
uint32_t relay_events(const struct relay *r, int fd);
bool relay_finished(const struct relay *r);

/* ----------------------------------------------------------------- tcp.c */

void tcp_accept(struct listener *ls);
void tcp_sweep(struct proxy *px);
void tcp_reap(struct proxy *px);
void tcp_close_all(struct proxy *px, const char *why);

/* ----------------------------------------------------------------- udp.c */

#define UDP_DGRAM_MAX 65536

int udp_listener_setup(struct listener *ls);
void udp_readable(struct listener *ls);
void udp_sweep(struct proxy *px);
void udp_reap(struct proxy *px);
void udp_close_all(struct proxy *px, const char *why);

#endif /* WFPREDIR_PROXY_H */
