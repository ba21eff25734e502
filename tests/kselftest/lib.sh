# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
#
# Shared by the wfpredir kselftests: sourced, never run. Each test script
# sets `ret`, uses `expect` for its cases and ends with `exit $ret`.

ksft_skip=4
ret=0
sfx=$(mktemp -u XXXXXXXX)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${WFPREDIR_BUILD:-$top/build}
probe=$build/tests/sockopt-probe
ctl=$build/tools/wfpredirctl

# skip_unless_vm: these tests load a kernel module; only the test VM may.
skip_unless_vm()
{
	if [ "${WFPREDIR_VM:-}" != 1 ]; then
		echo "SKIP: run inside the test VM (tests/vm/run)"
		exit $ksft_skip
	fi
	if [ ! -d /sys/module/wfpredir ]; then
		echo "SKIP: wfpredir.ko is not loaded"
		exit $ksft_skip
	fi
}

# need TOOL...: skip the test when a system tool it uses is missing; fail it
# when a program this project builds is missing (run make first).
need()
{
	local t

	for t in "$@"; do
		case "$t" in
		"$build"/*)
			if [ ! -x "$t" ]; then
				echo "FAIL: $t is not built (make)"
				exit 1
			fi
			;;
		*)
			if ! command -v "$t" >/dev/null 2>&1; then
				echo "SKIP: $t not available"
				exit $ksft_skip
			fi
			;;
		esac
	done
}

# expect DESCRIPTION WANT CMD...: run CMD, compare its first output word
# (or, when WANT has a space, its whole first line) with WANT.
expect()
{
	local desc=$1 want=$2 got
	shift 2

	got=$("$@" 2>&1 | head -n 1)
	case "$want" in
	*" "*) ;;
	*) got=${got%% *} ;;
	esac
	if [ "$got" = "$want" ]; then
		echo "PASS: $desc"
	else
		echo "FAIL: $desc: want '$want', got '$got'"
		ret=1
	fi
}

# expect_rc DESCRIPTION WANT_RC CMD...: compare CMD's exit status.
expect_rc()
{
	local desc=$1 want=$2 rc=0
	shift 2

	"$@" >/dev/null 2>&1 || rc=$?
	if [ "$rc" -eq "$want" ]; then
		echo "PASS: $desc"
	else
		echo "FAIL: $desc: want exit $want, got $rc"
		ret=1
	fi
}

# Probe families: "4" is AF_INET at SOL_IP, "6" AF_INET6 at SOL_IPV6, "m" an
# AF_INET6 socket with a v4-mapped flow asked at SOL_IP.
protos="tcp udp"
