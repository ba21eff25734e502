// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: log lines, "TIMESTAMP NAME LEVEL: MESSAGE", to stderr or
 * to a file opened for appending and reopened on SIGHUP (for logrotate).
 * When journald reads stderr ($JOURNAL_STREAM names stderr's device and
 * inode, as systemd.exec(5) describes) a line is "<PRIORITY>MESSAGE"
 * instead, the sd-daemon(3) prefix journald turns into the entry's
 * priority; journald keeps its own time. Each line is one write(2), so
 * lines never interleave.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proxy.h"

static const char *const level_names[] = {
	[LVL_ERROR] = "error", [LVL_WARN] = "warn",   [LVL_NOTICE] = "notice",
	[LVL_INFO] = "info",   [LVL_DEBUG] = "debug",
};

/* syslog(3) priorities, as sd-daemon(3) names them. */
static const char level_prio[] = {
	[LVL_ERROR] = '3', [LVL_WARN] = '4',  [LVL_NOTICE] = '5',
	[LVL_INFO] = '6',  [LVL_DEBUG] = '7',
};

/* Whether stderr is the stream $JOURNAL_STREAM ("DEVICE:INODE") names. */
bool log_stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

/* Return: 0, or -errno when the file cannot be opened. */
int log_open(struct log *log)
{
	log->journal = false;
	if (!log->path) {
		log->fd = STDERR_FILENO;
		log->journal = log_stderr_is_journal();
		return 0;
	}
	log->fd = open_file(log->path);
	return log->fd < 0 ? -errno : 0;
}

/*
 * Open log->path again (it may have changed: a reload), or go back to
 * stderr when it is NULL. On failure the old file stays in use and the
 * failure is logged there.
 */
int log_reopen(struct log *log)
{
	int fd;

	if (!log->path) {
		if (log->fd == STDERR_FILENO)
			return 0;
		log_close(log);
		return log_open(log);
	}
	fd = open_file(log->path);
	if (fd < 0) {
		int err = errno;

		log_msg(log, LVL_ERROR, "open %s: %s; still logging to the old file", log->path,
			strerror(err));
		return -err;
	}
	if (log->fd >= 0 && log->fd != STDERR_FILENO)
		close(log->fd);
	log->fd = fd;
	log->journal = false;
	log_msg(log, LVL_NOTICE, "log file reopened");
	return 0;
}

void log_close(struct log *log)
{
	if (log->fd >= 0 && log->fd != STDERR_FILENO)
		close(log->fd);
	log->fd = -1;
}

bool log_enabled(const struct log *log, enum log_level lvl)
{
	if (lvl == LVL_INFO)
		return log->verbose >= 1;
	if (lvl == LVL_DEBUG)
		return log->verbose >= 2;
	return true;
}

void log_msg(struct log *log, enum log_level lvl, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;
	int r;

	if (!log_enabled(log, lvl) || log->fd < 0)
		return;
	if (log->journal) {
		/* The unit names the program; a --name of its own is worth a word. */
		r = snprintf(line, sizeof(line), "<%c>%s%s", level_prio[lvl],
			     strcmp(log->name, PROG) ? log->name : "",
			     strcmp(log->name, PROG) ? ": " : "");
		n = r > 0 ? (size_t)r : 0;
		goto message;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ld", ts.tv_nsec / 1000000);
	n += r > 0 ? (size_t)r : 0;
	n += strftime(line + n, sizeof(line) - n, "%z", &tm);
	r = snprintf(line + n, sizeof(line) - n, " %s %s: ", log->name, level_names[lvl]);
	if (r > 0)
		n = n + (size_t)r < sizeof(line) ? n + (size_t)r : sizeof(line) - 1;
message:
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (r > 0)
		n = n + (size_t)r < sizeof(line) - 1 ? n + (size_t)r : sizeof(line) - 2;
	line[n++] = '\n';
	/* Nothing sensible is left to do when the log itself fails. */
	while (write(log->fd, line, n) < 0 && errno == EINTR)
		;
}

/*
 * One event a second passes; *suppressed then receives how many were held
 * back since the last one that passed.
 */
bool ratelimit_ok(struct ratelimit *rl, int64_t now, unsigned long *suppressed)
{
	if (rl->last_ms && now - rl->last_ms < 1000) {
		rl->suppressed++;
		return false;
	}
	rl->last_ms = now;
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
