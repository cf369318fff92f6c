/* --verbose: each setup step with the time since ptvm started, on stderr; warnings. */
#ifndef PTVM_LOG_H
#define PTVM_LOG_H

#include <stdbool.h>

#include "vmm/err.h"

extern bool log_verbose;
void log_start(void);
void log_step(const char *fmt, ...) PTVM_PRINTF(1, 2);
/* "ptvm: warning: ..." on stderr, always: ptvm carries on, with something less. */
void log_warn(const char *fmt, ...) PTVM_PRINTF(1, 2);

#endif
