/* cli.h — shared helpers of the zhijian command-line tool (argument parsing,
 * messages, exit codes). Commands use only the public engine/zhijian.h. */
#ifndef ZJ_CLI_H
#define ZJ_CLI_H

#include "zhijian.h"

/* Exit codes of DESIGN: highest applicable wins. */
enum {
    EXIT_OK = 0,
    EXIT_FINDINGS = 1, /* lint findings at/above --fail-on, failed rule checks/tests */
    EXIT_USAGE = 2,    /* usage or configuration error, nothing processed */
    EXIT_PARTIAL = 3,  /* some inputs rejected, the rest processed */
};

/* "zhijian: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "zhijian: FILE:LINE:COL: message" on stderr from an error record. */
void cli_report(const zj_error *err);
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Default bundled rule set: rules/property-service.yaml next to the
 * executable's source tree, the install prefix, or $ZHIJIAN_RULES. */
const char *cli_default_rules(void);

/* Compiled-matcher cache directory: $XDG_CACHE_HOME/zhijian or ~/.cache/zhijian
 * ("" when neither is set: no cache). */
const char *cli_cache_dir(void);

/* True when stream is a terminal and NO_COLOR is unset. */
bool cli_use_color(FILE *stream);

/* Write a buffer to stdout; false on a write error (reported). */
bool cli_write(const zj_buf *b, FILE *out);

/* Parse a non-negative integer option value; false (reported) if invalid. */
bool cli_parse_long(const char *opt, const char *value, long min, long max, long *out);

/* Commands: argc/argv start at the command name. Return an exit code. */
int cmd_score(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_scorecard(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_eval(int argc, char **argv);

#endif
