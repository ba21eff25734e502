/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _WFPREDIR_VERSION_H
#define _WFPREDIR_VERSION_H

#define WFPREDIR_VERSION "0.1.0"

#endif /* _WFPREDIR_VERSION_H */
