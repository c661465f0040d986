/* cli.h — shared helpers of the zhijian command-line tool (argument parsing,
 * messages, exit codes). Commands use only the public engine/zhijian.h. */
#ifndef ZJ_CLI_H
#define ZJ_CLI_H

#include "zhijian.h"

/* Exit codes of docs/cli.md: highest applicable wins. */
enum {
    EXIT_OK = 0,
    EXIT_FINDINGS = 1, /* lint findings at/above --fail-on, failed rule checks/tests */
    EXIT_USAGE = 2,    /* usage or configuration error, nothing processed */
    EXIT_PARTIAL = 3,  /* some inputs rejected, the rest processed */
};

/* One line on stdout (a newline added), made safe for a terminal; a line
 * that cannot be made (out of memory) makes the command exit 2. */
void cli_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "zhijian: message" on stderr, made safe for a terminal (zj_buf_term). */
/* Whether a --db value can name a store: libpq's key=value connection
 * string cannot (it would become a SQLite file named after it), and is
 * refused with a usage error ("CMD: --db ...: ..."), its password masked. */
bool cli_db_arg_ok(const char *cmd, const char *value);
/* The --db argument as messages and reports show it: a PostgreSQL URI's
 * password masked (zj_mask_db_password); db itself when there is none or
 * memory is short. Valid until the program ends. */
const char *cli_db_name(const char *db);
/* One command-line argument as the run record and reports cite it: a
 * connection string's password masked, also in --db=URL. The caller frees;
 * NULL when out of memory. */
char *cli_mask_arg(const char *arg);
/* The store at db, for the commands that record into one `zhijian score`
 * made (sample --save, review, appeal, serve): a missing file is an error
 * (ZJ_ERR_NOTFOUND), never a new empty store. */
zj_store *cli_store_open_existing(const char *db, bool write, zj_error *err);
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

/* zj_load_opts.on_note: "zhijian: warning: FILE: message" on stderr. */
void cli_note(const zj_error *note, void *ctx);

/* True when stream is a terminal and NO_COLOR is unset. */
bool cli_use_color(FILE *stream);

/* Write a buffer to stdout; false on a write error or an incomplete buffer
 * (b->failed), reported. */
bool cli_write(const zj_buf *b, FILE *out);
/* At exit: flush and close stdout, reporting "zhijian: write error: CAUSE"
 * if anything written to it was lost; returns the exit code to use (2 on a
 * write error unless code already says worse). */
int cli_close_stdout(int code);
/* fflush(stdout); false (reported as a write error) when output was lost. */
bool cli_flush_stdout(void);

/* Files this run reads: an output (-o, --clauses) that names one of them
 * is refused (exit 2), never written over the store, a rule set or an input
 * the command is reading. cli_protect_store adds a SQLite store with its
 * -wal, -shm and -journal files (a PostgreSQL URL has none). */
void cli_protect(const char *path);
void cli_protect_store(const char *db);
/* Every file a loaded rule set was read from: a base it extends, the other
 * files of its directory, its models' weights. */
void cli_protect_ruleset(const zj_ruleset *rs);
/* Whether path names a protected file (reported, labelled cmd). */
bool cli_output_protected(const char *path, const char *cmd);

/* Write a whole output to the file named by -o (cmd labels messages); false
 * after reporting an error. "-" is standard output. A regular file (or a new
 * one) is replaced atomically: written to a unique temp file in the same
 * directory, then renamed over it (keeping an existing file's mode). A
 * symbolic link to a regular file replaces that file (the link stays); a
 * dangling link is refused. Anything else that exists (a device, a FIFO, a
 * socket, a terminal, /dev/stdout, /proc/self/fd/N) is opened for writing
 * as it is and written in place: never truncated, renamed or replaced. A
 * protected file (cli_protect) is refused. */
bool cli_write_output(const zj_buf *b, const char *path, const char *cmd);

/* Ends a command that produced out: on an error (st) reports it; else
 * writes out to the file named by -o (output; NULL: standard output) and
 * frees it. Returns the exit code. */
int cli_finish_output(const char *cmd, zj_status st, const zj_error *err, zj_buf *out,
                      const char *output);

/* Parse a non-negative integer option value; false (reported) if invalid. */
bool cli_parse_long(const char *opt, const char *value, long min, long max, long *out);
/* Parse a finite number from min to max (nan and inf refused); false
 * (reported) if invalid. */
bool cli_parse_number(const char *opt, const char *value, double min, double max, double *out);

/* A calendar date YYYY-MM-DD (2026-02-30 is not one). */
bool cli_valid_date(const char *s);

/* The options that choose what a reading command looks at, shared by the
 * report and review commands: --from/--to (dates), --team, --agent,
 * --ruleset into *filter, --db into *db. name is the long option's name
 * (without --). Returns 1 when it was one of them, 0 when not, -1 after
 * reporting a bad value. */
int cli_scope_option(const char *cmd, const char *name, const char *value, zj_report_filter *filter,
                     const char **db);

/* Commands: argc/argv start at the command name. Return an exit code. */
int cmd_score(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_scorecard(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_appeal(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
