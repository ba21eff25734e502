// SPDX-License-Identifier: GPL-2.0
/*
 * uidsocks: TCP connections from many uids and cgroups out of one process,
 * for the rule index kselftests (rule_uid_index.sh): a process per uid
 * costs a tenth of a second or more in the VM.
 *
 *   uidsocks [-N NETNS] -d DST:PORT [-l ADDR:PORT]... SPEC...
 *
 * Listens on every -l address (so that a connection completes whether a
 * rule redirects it there or not), then for each SPEC, UID or UID@CGROUP
 * (a cgroup v2 directory): moves itself into CGROUP if one is given,
 * creates a socket with UID as its owner (the socket's uid is the fsuid
 * of its creator), and connects it to DST. Prints "SPEC PORT" per
 * connection, PORT the connection's local port, or "SPEC error ERRNO";
 * then "ready", and holds every connection open until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/helper.h"

/* Move this process into the cgroup v2 directory @dir. */
static void enter_cgroup(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY);
	/* "0": the writer itself. */
	if (fd < 0 || write(fd, "0", 1) != 1)
		die("cannot enter cgroup %s: %s", dir, strerror(errno));
	close(fd);
}

static void usage(void)
{
	die("usage: uidsocks [-N NETNS] -d DST:PORT [-l ADDR:PORT]... UID[@CGROUP]...");
}

int main(int argc, char **argv)
{
	struct sockaddr_storage dst, ls, local;
	const char *dst_s = NULL;
	socklen_t dlen = 0, len;
	char spec[4200];
	int opt, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	raise_nofile();
	while ((opt = getopt(argc, argv, "N:d:l:")) != -1) {
		switch (opt) {
		case 'N':
			enter_netns(optarg);
			break;
		case 'd':
			dst_s = optarg;
			break;
		case 'l':
			len = parse_addr(optarg, &ls);
			fd = socket(ls.ss_family, SOCK_STREAM, 0);
			if (fd < 0 ||
			    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int)) ||
			    bind(fd, (struct sockaddr *)&ls, len) || listen(fd, 4096))
				die("cannot listen on %s: %s", optarg, strerror(errno));
			break;
		default:
			usage();
		}
	}
	if (!dst_s || optind >= argc)
		usage();
	dlen = parse_addr(dst_s, &dst);

	for (int i = optind; i < argc; i++) {
		char *at;
		unsigned long uid;

		snprintf(spec, sizeof(spec), "%s", argv[i]);
		at = strchr(spec, '@');
		if (at) {
			*at = '\0';
			enter_cgroup(at + 1);
		}
		uid = strtoul(spec, NULL, 10);
		/* setfsuid() cannot report failure: check it took. */
		setfsuid((uid_t)uid);
		if ((uid_t)setfsuid((uid_t)-1) != (uid_t)uid)
			die("setfsuid %lu did not take", uid);
		fd = socket(dst.ss_family, SOCK_STREAM, 0);
		setfsuid(0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&dst, dlen)) {
			printf("%s error %s\n", argv[i], errno_name(errno));
			close(fd);
			continue;
		}
		len = sizeof(local);
		if (getsockname(fd, (struct sockaddr *)&local, &len))
			die("getsockname: %s", strerror(errno));
		printf("%s %u\n", argv[i], ntohs(((struct sockaddr_in *)&local)->sin_port));
	}
	printf("ready\n");
	for (;;)
		pause();
}
