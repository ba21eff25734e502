// SPDX-License-Identifier: MIT
/*
 * ThreadSanitizer's defaults for the unit tests (unused by the ASan build).
 * A few tests fork while the engine's worker runs and start threads in the
 * child, as a forking server does; TSan's default is to kill such a child.
 * Any report fails the test run.
 */
const char *__tsan_default_options(void);

const char *__tsan_default_options(void)
{
	return "die_after_fork=0:halt_on_error=1:exitcode=66";
}
