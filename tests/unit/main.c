// SPDX-License-Identifier: MIT
/*
 * Runs every suite. tests/unit/run sets CK_TAP_LOG_FILE_NAME and turns
 * Check's TAP into the project's; run this binary through it.
 */
#include "unit.h"

#include <stdlib.h>

Suite *msg_suite(void); /* test_msg.c */

Suite *conformance_suite(void); /* test_conformance.c */

Suite *overlapped_suite(void); /* test_overlapped.c */
Suite *event_suite(void);      /* test_event.c */
Suite *engine_suite(void);     /* test_engine.c */

Suite *monitor_suite(void);  /* test_monitor.c */
Suite *tables_suite(void);   /* test_tables.c */
Suite *conffile_suite(void); /* test_conffile.c */

int main(void)
{
	SRunner *sr = srunner_create(header_suite());
	int failed;

	srunner_add_suite(sr, wsa_errors_suite());
	srunner_add_suite(sr, last_error_suite());
	srunner_add_suite(sr, safemem_suite());
	srunner_add_suite(sr, sockopt_suite());
	srunner_add_suite(sr, wsaioctl_suite());
	srunner_add_suite(sr, wspioctl_suite());
	srunner_add_suite(sr, ctl_suite());
	srunner_add_suite(sr, records_suite());
	srunner_add_suite(sr, parse_suite());
	srunner_add_suite(sr, msg_suite());
	srunner_add_suite(sr, conformance_suite());
	srunner_add_suite(sr, overlapped_suite());
	srunner_add_suite(sr, event_suite());
	srunner_add_suite(sr, engine_suite());
	srunner_add_suite(sr, monitor_suite());
	srunner_add_suite(sr, tables_suite());
	srunner_add_suite(sr, conffile_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
