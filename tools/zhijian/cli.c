/* cli.c — message, path and option helpers shared by the commands. */
#define _GNU_SOURCE /* vasprintf */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set once a write error has been reported, so that closing stdout at exit
 * does not report it again; stdout_lost: a line of output could not be made. */
static bool write_error_reported, stdout_lost;

/* Formats into a new string (NULL when out of memory). */
static char *vformat(const char *fmt, va_list ap)
{
    char *msg;
    return vasprintf(&msg, fmt, ap) < 0 ? NULL : msg;
}

void cli_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = vformat(fmt, ap);
    va_end(ap);
    zj_buf b;
    zj_buf_init(&b);
    if (line)
        zj_buf_term_str(&b, line);
    zj_buf_puts(&b, "\n");
    if (!line || b.failed) {
        cli_error("cannot produce the output: out of memory");
        fputs("(line lost: out of memory)\n", stdout); /* and never exit 0 */
        write_error_reported = true;
        stdout_lost = true;
    } else {
        fputs(b.data, stdout);
    }
    zj_buf_free(&b);
    free(line);
}

/* Writes "zhijian: " prefix + the message to stderr, the message made safe
 * for a terminal: ids, names and paths in messages come from the input, and
 * an ESC or a bidi override in them must show, not act. */
static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
    char *msg = vformat(fmt, ap);
    zj_buf b;
    zj_buf_init(&b);
    zj_buf_puts(&b, prefix);
    if (msg)
        zj_buf_term_str(&b, msg);
    zj_buf_puts(&b, "\n");
    if (!b.failed && msg)
        fputs(b.data, stderr);
    else /* out of memory: still say something, whatever the text held */
        fprintf(stderr, "%s(message lost: out of memory)\n", prefix);
    zj_buf_free(&b);
    free(msg);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("zhijian: ", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("zhijian: warning: ", fmt, ap);
    va_end(ap);
}

void cli_report(const zj_error *err)
{
    char buf[2048];
    cli_error("%s", zj_error_format(err, buf, sizeof buf));
}

static bool file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

const char *cli_default_rules(void)
{
    static char found[PATH_MAX];
    const char *env = getenv("ZHIJIAN_RULES");
    if (env && *env)
        return env;
    /* Relative to the executable: <prefix>/bin/zhijian -> <prefix>/share/zhijian/rules,
     * or a build tree inside the source tree. */
    char exe[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(found, sizeof found, "%s/../share/zhijian/rules/property-service.yaml", exe);
            if (file_exists(found))
                return found;
        }
    }
    snprintf(found, sizeof found, "%s/property-service.yaml", ZJ_SOURCE_RULES_DIR);
    if (file_exists(found))
        return found;
    snprintf(found, sizeof found, "%s/property-service.yaml", ZJ_INSTALL_RULES_DIR);
    return found;
}

const char *cli_cache_dir(void)
{
    static char dir[PATH_MAX];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s/zhijian", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.cache/zhijian", home);
    else
        dir[0] = '\0';
    return dir;
}

void cli_note(const zj_error *note, void *ctx)
{
    (void)ctx;
    char buf[2048];
    cli_warn("%s", zj_error_format(note, buf, sizeof buf));
}

bool cli_use_color(FILE *stream)
{
    const char *no = getenv("NO_COLOR");
    if (no && *no)
        return false;
    return isatty(fileno(stream));
}

static void report_write_error(int errnum)
{
    if (!write_error_reported)
        cli_error("write error: %s", strerror(errnum ? errnum : EIO));
    write_error_reported = true;
}

bool cli_write(const zj_buf *b, FILE *out)
{
    if (b->failed) {
        cli_error("cannot produce the output: out of memory");
        return false;
    }
    if (b->len && fwrite(b->data, 1, b->len, out) != b->len) {
        report_write_error(errno);
        return false;
    }
    return true;
}

/* Writes all of b to fd; false with errno set on failure. */
static bool write_all(int fd, const zj_buf *b)
{
    size_t done = 0;
    while (done < b->len) {
        ssize_t w = write(fd, b->data + done, b->len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    return true;
}

/* Writes into an existing non-regular file as it is (no O_CREAT, no O_TRUNC). */
static bool write_in_place(const zj_buf *b, const char *path, const char *cmd)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: cannot write %s: %s", cmd, path, strerror(errno));
        return false;
    }
    bool ok = write_all(fd, b);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok)
        cli_error("%s: cannot write %s: %s", cmd, path, strerror(saved));
    return ok;
}

/* Replaces the regular file `target` (or creates it): a unique temp file in
 * its directory, renamed over it once complete, so no reader sees half. */
static bool replace_file(const zj_buf *b, const char *target, mode_t mode, const char *cmd,
                         const char *shown)
{
    char tmp[PATH_MAX + 32];
    const char *slash = strrchr(target, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s.XXXXXX", (int)(slash - target), target, slash + 1);
    else
        snprintf(tmp, sizeof tmp, ".%s.XXXXXX", target);
    int fd = mkstemp(tmp); /* O_CREAT | O_EXCL: never through a planted file */
    if (fd < 0) {
        cli_error("%s: cannot write %s: %s", cmd, shown, strerror(errno));
        return false;
    }
    bool ok = fchmod(fd, mode) == 0 && write_all(fd, b);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, target) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        cli_error("%s: cannot write %s: %s", cmd, shown, strerror(saved));
    }
    return ok;
}

/* The protected files: by device and inode where they exist, and by
 * canonical name (the directory resolved, the last component as given) for
 * a store's journals, which come and go. */
static struct protected_file {
    dev_t dev;
    ino_t ino;
    bool exists;
    char name[PATH_MAX + 16];
} * protected_files;
static size_t n_protected, protected_cap;

/* path with its directory resolved (it must exist); false otherwise. */
static bool canonical_name(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    char parent[PATH_MAX], dir[PATH_MAX];
    if (!slash)
        snprintf(parent, sizeof parent, ".");
    else if (slash == path)
        snprintf(parent, sizeof parent, "/");
    else
        snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
    if (!realpath(parent, dir))
        return false;
    const char *base = slash ? slash + 1 : path;
    return (size_t)snprintf(out, size, "%s/%s", strcmp(dir, "/") ? dir : "", base) < size;
}

static void protect_name(const char *path)
{
    if (n_protected == protected_cap) {
        size_t cap = protected_cap ? 2 * protected_cap : 16;
        struct protected_file *v = realloc(protected_files, cap * sizeof *v);
        if (!v) /* then the check is lost, not the command */
            return;
        protected_files = v;
        protected_cap = cap;
    }
    struct protected_file *p = &protected_files[n_protected];
    struct stat sb;
    p->exists = stat(path, &sb) == 0;
    if (p->exists) {
        p->dev = sb.st_dev;
        p->ino = sb.st_ino;
    }
    if (!canonical_name(path, p->name, sizeof p->name))
        p->name[0] = '\0';
    if (p->name[0] || p->exists)
        n_protected++;
}

void cli_protect(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return;
    protect_name(path);
    /* A directory given: the files in it (a rule-set or input directory). */
    DIR *d = opendir(path);
    struct dirent *e;
    char name[PATH_MAX];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.' &&
            (size_t)snprintf(name, sizeof name, "%s/%s", path, e->d_name) < sizeof name)
            protect_name(name);
    if (d)
        closedir(d);
}

void cli_protect_ruleset(const zj_ruleset *rs)
{
    const char *path;
    for (size_t i = 0; (path = zj_rules_file(rs, i)) != NULL; i++)
        protect_name(path);
}

void cli_protect_store(const char *db)
{
    if (!db || strstr(db, "://")) /* a PostgreSQL URL: no files */
        return;
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char name[PATH_MAX];
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
        if ((size_t)snprintf(name, sizeof name, "%s%s", db, suffixes[i]) < sizeof name)
            protect_name(name);
}

bool cli_output_protected(const char *path, const char *cmd)
{
    if (strcmp(path, "-") == 0)
        return false;
    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    char name[PATH_MAX + 16];
    bool named = canonical_name(path, name, sizeof name);
    for (size_t i = 0; i < n_protected; i++) {
        const struct protected_file *p = &protected_files[i];
        if ((exists && p->exists && p->dev == sb.st_dev && p->ino == sb.st_ino) ||
            (named && p->name[0] && strcmp(p->name, name) == 0)) {
            cli_error("%s: refusing to write %s: it is a file this command reads (the store, a "
                      "rule set or an input)",
                      cmd, path);
            return true;
        }
    }
    return false;
}

bool cli_write_output(const zj_buf *b, const char *path, const char *cmd)
{
    if (cli_output_protected(path, cmd))
        return false;
    if (strcmp(path, "-") == 0) {
        if (!cli_write(b, stdout))
            return false;
        if (fflush(stdout) != 0) {
            cli_error("%s: cannot write the output: %s", cmd, strerror(errno));
            return false;
        }
        return true;
    }
    struct stat lsb, sb;
    if (lstat(path, &lsb) != 0) {
        if (errno != ENOENT) {
            cli_error("%s: cannot write %s: %s", cmd, path, strerror(errno));
            return false;
        }
        mode_t mask = umask(0);
        umask(mask);
        return replace_file(b, path, 0666 & ~mask, cmd, path);
    }
    if (S_ISREG(lsb.st_mode))
        return replace_file(b, path, lsb.st_mode & 07777, cmd, path);
    if (stat(path, &sb) != 0) {
        cli_error("%s: cannot write %s: %s", cmd, path,
                  errno == ENOENT ? "a symbolic link to a file that does not exist"
                                  : strerror(errno));
        return false;
    }
    /* /dev and /proc links (/dev/stdout, /proc/self/fd/1) name an open file
     * of this process: write into it, whatever it is. */
    bool proc_link = strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
    if (!S_ISREG(sb.st_mode) || proc_link)
        return write_in_place(b, path, cmd);
    char target[PATH_MAX];
    if (!realpath(path, target)) {
        cli_error("%s: cannot write %s: %s", cmd, path, strerror(errno));
        return false;
    }
    return replace_file(b, target, sb.st_mode & 07777, cmd, path);
}

bool cli_flush_stdout(void)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return true;
    report_write_error(errno);
    return false;
}

int cli_close_stdout(int code)
{
    /* gnulib's close_stdout: output that never reached its file is an error
     * (a full disk, a closed pipe), however well the command went. A write
     * that failed earlier left its errno behind (stdio keeps only the error
     * flag): the fallback when the final flush has nothing left to fail on. */
    int earlier = errno;
    errno = 0;
    bool failed = fflush(stdout) != 0;
    int errnum = errno;
    if (ferror(stdout) && !failed) {
        failed = true;
        errnum = earlier;
    }
    if (fclose(stdout) != 0 && !failed) {
        failed = true;
        errnum = errno;
    }
    if (!failed && !stdout_lost)
        return code;
    if (failed)
        report_write_error(errnum);
    return code == EXIT_OK || code == EXIT_FINDINGS || code == EXIT_PARTIAL ? EXIT_USAGE : code;
}

bool cli_parse_long(const char *opt, const char *value, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < min || v > max) {
        cli_error("%s: invalid value '%s' (expected an integer from %ld to %ld)", opt, value, min,
                  max);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_number(const char *opt, const char *value, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    /* !(min <= v) also refuses nan, which every later comparison would pass */
    if (errno || end == value || *end || !(v >= min && v <= max)) {
        cli_error("%s: invalid value '%s' (expected a number from %g to %g)", opt, value, min,
                  max);
        return false;
    }
    *out = v;
    return true;
}

/* A calendar date YYYY-MM-DD (2026-02-30 is not one). */
bool cli_valid_date(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return false;
    if (s[10])
        return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m >= 1 && m <= 12 && d >= 1 && d <= mdays[m - 1] && (m != 2 || d <= 28 || leap);
}

int cli_scope_option(const char *cmd, const char *name, const char *value, zj_report_filter *filter,
                     const char **db)
{
    if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0) {
        if (!cli_valid_date(value)) {
            cli_error("%s: --%s: expected a calendar date YYYY-MM-DD, got '%s'", cmd, name, value);
            return -1;
        }
        *(name[0] == 'f' ? &filter->from : &filter->to) = value;
    } else if (strcmp(name, "team") == 0) {
        filter->team = value;
    } else if (strcmp(name, "agent") == 0) {
        filter->agent = value;
    } else if (strcmp(name, "ruleset") == 0) {
        filter->ruleset = value;
    } else if (strcmp(name, "db") == 0) {
        if (!value[0]) {
            cli_error("%s: --db needs a file name", cmd);
            return -1;
        }
        if (!cli_db_arg_ok(cmd, value))
            return -1;
        *db = value;
    } else {
        return 0;
    }
    return 1;
}

int cli_finish_output(const char *cmd, zj_status st, const zj_error *err, zj_buf *out,
                      const char *output)
{
    int code = EXIT_OK;
    if (st != ZJ_OK) {
        cli_report(err);
        code = EXIT_USAGE;
    } else if (output) {
        if (!cli_write_output(out, output, cmd))
            code = EXIT_USAGE;
        else if (strcmp(output, "-") != 0)
            fprintf(stderr, "zhijian: %s written to %s\n", cmd, output);
    } else if (!cli_write(out, stdout)) {
        code = EXIT_USAGE;
    }
    zj_buf_free(out);
    return code;
}

bool cli_db_arg_ok(const char *cmd, const char *value)
{
    if (!zj_is_keyword_conninfo(value))
        return true;
    char *shown = zj_mask_db_password(value);
    cli_error("%s: --db %s: %s", cmd, shown ? shown : "(a connection string)",
              ZJ_KEYWORD_CONNINFO_HINT);
    free(shown);
    return false;
}

const char *cli_db_name(const char *db)
{
    static char *shown; /* one --db per run */
    if (!db)
        return db;
    if (!shown)
        shown = zj_mask_db_password(db);
    return shown ? shown : "(the database)";
}

char *cli_mask_arg(const char *arg)
{
    if (strncmp(arg, "--db=", 5) != 0)
        return zj_mask_db_password(arg);
    char *value = zj_mask_db_password(arg + 5);
    char *out = value ? malloc(strlen(value) + 6) : NULL;
    if (out)
        sprintf(out, "--db=%s", value);
    free(value);
    return out;
}

zj_store *cli_store_open_existing(const char *db, bool write, zj_error *err)
{
    cli_protect_store(db);
    if (write && !strstr(db, "://") && access(db, F_OK) != 0) {
        zj_error_set(err, ZJ_ERR_NOTFOUND, db, 0, 0,
                     "no database here (run `zhijian score` first, or pass --db PATH)");
        return NULL;
    }
    return zj_store_open(db, write, err);
}
